package dev.marketplace.rest.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code "METHOD /path"} pairs of a hand-written OpenAPI YAML resource. The documents
 * follow one layout (two-space indent): {@code paths:} at top level, each path at indent 2, each
 * operation at indent 4. This reader only understands that layout and fails loudly on anything
 * else under {@code paths:}, so a layout change cannot silently hide routes. Test scope only.
 */
public final class OpenApiRoutes {
  private static final Pattern PATH = Pattern.compile("^  (/[^:\\s]*):\\s*$");
  private static final Pattern METHOD = Pattern.compile(
      "^    (get|put|post|delete|patch|head|options|trace):.*$");
  private static final Pattern DEEPER = Pattern.compile("^\\s{5,}\\S.*$|^\\s*$|^\\s*#.*$");
  private static final Pattern OPERATION_FIELD = Pattern.compile("^    [a-zA-Z$][\\w-]*:.*$");

  private OpenApiRoutes() {}

  /** The routes of the document, e.g. {@code "GET /items/{itemId}"}. */
  public static Set<String> read(String resource) {
    String text;
    try (InputStream in = OpenApiRoutes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no resource " + resource);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Set<String> routes = new TreeSet<>();
    boolean inPaths = false;
    String path = null;
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (!line.startsWith(" ") && !line.isBlank()) {
        inPaths = line.startsWith("paths:");
        path = null;
        continue;
      }
      if (!inPaths) {
        continue;
      }
      Matcher p = PATH.matcher(line);
      Matcher m = METHOD.matcher(line);
      if (p.matches()) {
        path = p.group(1);
      } else if (m.matches()) {
        if (path == null) {
          throw new IllegalStateException(resource + ":" + lineNo + ": operation outside a path");
        }
        routes.add(m.group(1).toUpperCase(Locale.ROOT) + " " + path);
      } else if (!DEEPER.matcher(line).matches()
          && !(path != null && OPERATION_FIELD.matcher(line).matches()
              && line.strip().startsWith("parameters"))) {
        throw new IllegalStateException(resource + ":" + lineNo + ": unexpected line under paths: "
            + line);
      }
    }
    return routes;
  }
}
