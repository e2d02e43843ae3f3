package dev.limiter.samples.quickstart;

import dev.limiter.config.ConfigError;
import dev.limiter.config.LimitsConfig;
import dev.limiter.config.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Validates the limits YAML a portal editor wrote, printing every problem with its line and column. */
public final class ValidateConfig {
    private ValidateConfig() {}

    /** Validates {@code limits.yaml} (valid) and {@code broken-limits.yaml} (two mistakes) from the class path. */
    public static void run() {
        System.out.println("limits.yaml: " + validate(resource("limits.yaml")));
        System.out.println("broken-limits.yaml:");
        System.out.println(validate(resource("broken-limits.yaml")));
    }

    /** Returns "valid", or one line per problem: its path, line, column and message. */
    // snippet:java-validate-yaml
    public static String validate(String yaml) {
        ValidationReport report = LimitsConfig.validate(yaml);
        if (report.isValid()) return "valid";
        StringBuilder problems = new StringBuilder();
        for (ConfigError error : report.getErrors()) {
            problems.append("  ").append(error.getPath())
                    .append(" (line ").append(error.getLine()).append(", column ").append(error.getColumn()).append("): ")
                    .append(error.getMessage()).append('\n');
        }
        return problems.toString().stripTrailing();
    }
    // end-snippet

    static String resource(String name) {
        try (InputStream in = ValidateConfig.class.getResourceAsStream("/" + name)) {
            if (in == null) throw new IllegalStateException(name + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
