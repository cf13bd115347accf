package io.tollgate.config;

/** One way to serve a route: a channel, the upstream model it runs, the price and the bucket that pays. */
public record Leg(String channelId, String upstreamModel, Price price, Bucket bucket) {}
