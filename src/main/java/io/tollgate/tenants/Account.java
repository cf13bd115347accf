package io.tollgate.tenants;

/** A customer. */
public record Account(String id, String name, long createdAtMs) {}
