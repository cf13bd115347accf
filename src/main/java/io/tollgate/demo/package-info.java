/** The built-in demo: a simulated upstream in-process, a demo configuration, a demo account and a fresh demo key. */
package io.tollgate.demo;
