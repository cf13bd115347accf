/**
 * The HTTP surface: the router, the one typed failure ({@link io.tollgate.http.ApiException}) and the one place
 * that renders it in the OpenAI error shape.
 */
package io.tollgate.http;
