/**
 * The HTTP surface: the router, the one typed failure ({@link io.tollgate.http.ApiException}), the one place
 * that renders it in the OpenAI error shape, typed reads of JSON bodies ({@link io.tollgate.http.JsonBody}), and the
 * OpenAPI description of every endpoint ({@link io.tollgate.http.OpenApiDocument}).
 */
package io.tollgate.http;
