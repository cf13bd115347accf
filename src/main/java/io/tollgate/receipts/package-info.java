/** The receipt: the record of one request, success or failure, with every upstream attempt, and how users read it. */
package io.tollgate.receipts;
