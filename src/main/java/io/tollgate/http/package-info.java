/**
 * The HTTP surface: the router, the one typed failure ({@link io.tollgate.http.ApiException}), the one place
 * that renders it in the OpenAI error shape, and typed reads of JSON bodies ({@link io.tollgate.http.JsonBody}).
 */
package io.tollgate.http;
