package org.iotgateway.greengrass.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Keeps the CA certificates of the chosen Greengrass group as a PEM file in a directory of the bundle's data area
 * (one directory per auto-connect configuration), for the connection's {@code ca.file}.
 * <p>
 * The file name carries the group id and a hash of the content, so a changed CA is a new file and therefore a
 * changed {@code ca.file}: the connection is reconfigured and trusts the new CA. Files are written to a temporary
 * file and moved into place, so a connection never reads half a file.
 */
final class CaStore {

    private static final String PREFIX = "group-";
    private static final String SUFFIX = ".pem";

    private final Path directory;

    CaStore(Path directory) {
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /**
     * @param groupId the group id
     * @param pems    the group's CA certificates as PEM text
     * @return the file holding them
     * @throws IOException if it cannot be written
     */
    Path store(String groupId, List<String> pems) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String pem : pems) {
            String p = pem.replace("\r\n", "\n").trim();
            sb.append(p).append('\n');
        }
        String content = sb.toString();
        Path file = directory.resolve(PREFIX + safe(groupId) + "-" + hash(content) + SUFFIX);
        if (Files.isRegularFile(file) && new String(Files.readAllBytes(file), StandardCharsets.UTF_8).equals(content)) {
            return file;
        }
        Files.createDirectories(directory);
        Path tmp = Files.createTempFile(directory, ".ca-", ".tmp");
        try {
            Files.write(tmp, content.getBytes(StandardCharsets.UTF_8));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /** Deletes every stored CA file but this one. */
    void retainOnly(Path keep) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            for (Path f : files) {
                if (!f.equals(keep)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** Deletes every stored CA file and the directory. */
    void deleteAll() throws IOException {
        retainOnly(null);
        if (Files.isDirectory(directory)) {
            try (DirectoryStream<Path> rest = Files.newDirectoryStream(directory)) {
                for (Path f : rest) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(directory);
        }
    }

    /** @return a file name part from a group id: letters, digits, '-', '_' and '.' kept, the rest '_', at most 64 */
    static String safe(String id) {
        StringBuilder sb = new StringBuilder();
        for (char c : id.toCharArray()) {
            if (sb.length() >= 64) {
                break;
            }
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_' || (c == '.' && sb.length() > 0);
            sb.append(ok ? c : '_');
        }
        return sb.length() == 0 ? "_" : sb.toString();
    }

    private static String hash(String content) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                sb.append(String.format("%02x", digest[i]));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
