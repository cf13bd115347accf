package io.tollgate.research;

import io.tollgate.config.Bucket;
import io.tollgate.config.ResearchMode;
import io.tollgate.research.data.Bars;
import io.tollgate.research.indicators.IndicatorSet;
import java.util.List;
import java.util.Map;

/**
 * A research quote as stored until it expires: a run started with its id follows this plan and is capped by
 * {@link #maxByBucket}.
 *
 * @param dataFromCache whether the bars came from the cache (the receipt counts fetches)
 * @param answer the response body, as the endpoint gave it
 */
record ResearchQuote(String id, String accountId, String keyId, String symbol, ResearchMode mode, long createdAtMs,
    long expiresAtMs, Bars bars, IndicatorSet indicators, boolean dataFromCache, List<SectionQuote> sections,
    Map<Bucket, Long> maxByBucket, Map<String, Object> answer) {}
