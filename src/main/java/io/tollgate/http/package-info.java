/**
 * The HTTP surface: the router, the one typed failure ({@link io.tollgate.http.ApiException}) and the one place
 * that renders it in the OpenAI error shape, and below the router the connection guard (client timeouts,
 * connection caps, bytes that are not HTTP/1.1).
 */
package io.tollgate.http;
