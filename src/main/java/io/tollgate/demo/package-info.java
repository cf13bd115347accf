/**
 * The built-in demo: a simulated upstream in-process, a demo configuration, a demo account and a fresh demo key, on a
 * database of its own that is marked as the demo's, so that it never meets a real gateway's; and its guided tour.
 */
package io.tollgate.demo;
