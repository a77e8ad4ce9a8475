package dev.gatun.spark.train;

import java.io.Serializable;

/** The input DataFrame's feature-vector and label columns, by name, for reading rows and for messages. */
public record Columns(String features, String label) implements Serializable {
    public Columns {
        if (features == null || features.isBlank() || label == null || label.isBlank()) {
            throw new IllegalArgumentException("features and label column names must not be empty, got '" + features
                    + "' and '" + label + "'");
        }
    }
}
