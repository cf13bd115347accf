/**
 * The HTTP surface: the router, the one typed failure ({@link io.tollgate.http.ApiException}), the one place
 * that renders it in the OpenAI error shape, typed reads of JSON bodies ({@link io.tollgate.http.JsonBody}), the
 * OpenAPI description of every endpoint ({@link io.tollgate.http.OpenApiDocument}), and below the router the
 * connection guard (client timeouts, connection caps, bytes that are not HTTP/1.1).
 */
package io.tollgate.http;
