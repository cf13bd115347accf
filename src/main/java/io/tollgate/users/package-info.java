/** The people who sign in to the console: an account's members and the operators, with their passwords hashed. */
package io.tollgate.users;
