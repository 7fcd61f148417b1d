package org.iotgateway.api.jobs;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable job document: the JSON text as received and the same content as nested,
 * unmodifiable maps and lists (values are {@code Map<String, Object>}, {@code List<Object>},
 * {@code String}, {@code Number}, {@code Boolean} or {@code null}).
 * <p>
 * The job's operation, by convention the {@value #OPERATION} field of the document, selects the
 * {@link JobHandler} that executes it.
 */
public final class JobDocument {

    /** The document field naming the operation: {@value}. */
    public static final String OPERATION = "operation";

    private final String json;
    private final Map<String, Object> content;

    private JobDocument(String json, Map<String, Object> content) {
        this.json = json;
        this.content = content;
    }

    /**
     * For implementations decoding a received document.
     *
     * @param json    the document as JSON text
     * @param content the same document as nested maps and lists; copied deeply
     * @return the document
     * @throws IllegalArgumentException if the content holds something other than JSON values
     */
    @SuppressWarnings("unchecked")
    public static JobDocument of(String json, Map<String, ?> content) {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(content, "content");
        return new JobDocument(json, (Map<String, Object>) Values.deepCopy(content, "$"));
    }

    /** @return the document as JSON text */
    public String json() {
        return json;
    }

    /** @return the document as nested unmodifiable maps and lists */
    public Map<String, Object> content() {
        return content;
    }

    /**
     * @param field a top-level field name
     * @return the field's value, empty if absent or {@code null}
     */
    public Optional<Object> get(String field) {
        return Optional.ofNullable(content.get(field));
    }

    /**
     * @return the {@value #OPERATION} field if it is a non-empty string; empty otherwise
     */
    public Optional<String> operation() {
        Object op = content.get(OPERATION);
        return op instanceof String && !((String) op).isEmpty() ? Optional.of((String) op) : Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobDocument && content.equals(((JobDocument) o).content);
    }

    @Override
    public int hashCode() {
        return content.hashCode();
    }

    @Override
    public String toString() {
        return json.length() <= 200 ? json : json.substring(0, 200) + "...(" + json.length() + " characters)";
    }
}
