/** What a key may use, as {@code /v1/models} shows it: catalog models with route types, buckets and prices. */
package io.tollgate.catalog;
