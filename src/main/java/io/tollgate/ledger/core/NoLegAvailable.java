package io.tollgate.ledger.core;

/** No leg of the route may serve the request now (every leg skipped), and no limit refused one. */
public record NoLegAvailable(String model, String routeType) implements Refusal {}
