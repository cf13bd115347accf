package io.tollgate.research;

/**
 * What one section's call did, read back from its receipt.
 *
 * @param status {@code succeeded}, {@code failed} (its request failed or was refused: its failure receipt says
 *     why), {@code cancelled} (the run was cancelled before or during it) or {@code skipped}
 * @param receiptId the child request's id, whose receipt names the run; null when no request was made
 * @param chargedMicros what its receipt charged, in {@code bucket}
 */
record SectionResult(String id, String status, String text, String receiptId, String requestedModel,
    String upstreamModel, String leg, boolean fallback, String bucket, long chargedMicros, String transferId,
    long promptTokens, long completionTokens, long durationMs, String error) {}
