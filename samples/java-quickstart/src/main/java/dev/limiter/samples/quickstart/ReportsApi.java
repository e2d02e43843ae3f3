package dev.limiter.samples.quickstart;

import dev.limiter.DefaultLimits;

/** A service interface whose limits are declared on it; {@link DefaultLimitsProxy} enforces them. */
// snippet:java-default-limits-interface
public interface ReportsApi {
    @DefaultLimits(calls = 2, period = "1h")
    String generate(String developerId);

    String status(String reportId); // no annotation: not limited
}
// end-snippet
