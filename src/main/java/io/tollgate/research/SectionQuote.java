package io.tollgate.research;

import io.tollgate.config.Bucket;
import io.tollgate.config.ResearchSection;
import java.util.Map;

/**
 * One section as quoted: the machinery's quote of its call, and what the run must keep to.
 *
 * @param promptBudget the most prompt tokens its body may count: the run trims the earlier sections it reads to fit
 * @param routeType the route type the quote planned, sent as {@code x-tollgate-route}
 * @param maxByBucket the most the call can cost in each bucket over every leg it may fall back to
 * @param expectedByBucket the expected cost, in the bucket of the leg expected to serve
 * @param minByBucket the least, in the same bucket
 * @param expectedMs from the primary's measured median latency, or an assumed throughput before any
 * @param worstMs every leg it may try running to its total timeout
 * @param quote the quote machinery's answer, as {@code POST /v1/quote} gives it
 */
record SectionQuote(ResearchSection section, long promptBudget, String routeType, Map<Bucket, Long> maxByBucket,
    Map<Bucket, Long> expectedByBucket, Map<Bucket, Long> minByBucket, long expectedMs, long worstMs,
    Map<String, Object> quote) {}
