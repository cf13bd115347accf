package io.tollgate.tenants;

/** A group of API keys inside an account: an app, a bot, a research workflow. */
public record Project(String id, String accountId, String name, long createdAtMs) {}
