import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

/**
 * Prints what the Java client computes for keys, so that Tandem's partitioner can be compared
 * with it bit for bit (test/integration/partitioner-java.test.ts).
 *
 * Input: one key per line, hex-encoded (an empty line is the empty key), from stdin or --file.
 * Output: one line per key: Utils.murmur2(key), then for each partition count the partition the
 * Java producer gives a keyed record (BuiltInPartitioner.partitionForKey), space-separated.
 *
 * Usage: JavaPartitions --partitions 1,3,6 [--file keys.txt]
 */
public final class JavaPartitions {
  public static void main(String[] argv) throws Exception {
    int[] counts = null;
    String file = null;
    for (int i = 0; i < argv.length; i++) {
      if (argv[i].equals("--partitions") && i + 1 < argv.length) {
        String[] parts = argv[++i].split(",");
        counts = new int[parts.length];
        for (int j = 0; j < parts.length; j++) counts[j] = Integer.parseInt(parts[j].trim());
      } else if (argv[i].equals("--file") && i + 1 < argv.length) {
        file = argv[++i];
      } else {
        System.err.println("usage: JavaPartitions --partitions N[,N...] [--file keys.txt]");
        System.exit(2);
      }
    }
    if (counts == null) {
      System.err.println("JavaPartitions: --partitions is required");
      System.exit(2);
    }

    InputStream in = file == null ? System.in : new FileInputStream(file);
    PrintStream out = new PrintStream(new java.io.BufferedOutputStream(System.out, 1 << 16), false, "UTF-8");
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      StringBuilder line = new StringBuilder();
      String text;
      while ((text = reader.readLine()) != null) {
        byte[] key = fromHex(text.trim());
        line.setLength(0);
        line.append(Utils.murmur2(key));
        for (int count : counts) line.append(' ').append(BuiltInPartitioner.partitionForKey(key, count));
        out.println(line);
      }
    }
    out.flush();
  }

  private static byte[] fromHex(String hex) {
    if (hex.length() % 2 != 0) throw new IllegalArgumentException("odd-length hex key: " + hex);
    byte[] bytes = new byte[hex.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    return bytes;
  }
}
