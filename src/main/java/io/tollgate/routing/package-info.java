/** Chooses how a request is served: which route type of the requested catalog model, and its legs in order. */
package io.tollgate.routing;
