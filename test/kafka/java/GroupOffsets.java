import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Prints a consumer group's committed offsets as the Java AdminClient sees them
 * (ListConsumerGroupOffsets / OffsetFetch), one JSON line per partition, sorted:
 *
 *   {"topic":"t","partition":0,"offset":42,"metadata":""}
 *
 * Offsets sent to a transaction (TxnOffsetCommit) are pending until the transaction commits:
 * without --require-stable they are not shown before then (the last committed ones are), and
 * an abort drops them. A group nobody has committed for prints nothing.
 *
 * Usage: GroupOffsets --bootstrap H:P --group G [--require-stable true] [--timeout-ms MS]
 *
 * Exit code 0 on success, 1 with the reason on stderr otherwise.
 */
public final class GroupOffsets {
  public static void main(String[] argv) throws Exception {
    String bootstrap = null;
    String group = null;
    boolean requireStable = false;
    long timeoutMs = 30000;
    for (int i = 0; i < argv.length; i += 2) {
      if (i + 1 >= argv.length) fail("missing value for " + argv[i]);
      String value = argv[i + 1];
      switch (argv[i]) {
        case "--bootstrap": bootstrap = value; break;
        case "--group": group = value; break;
        case "--require-stable": requireStable = Boolean.parseBoolean(value); break;
        case "--timeout-ms": timeoutMs = Long.parseLong(value); break;
        default: fail("unknown option " + argv[i]);
      }
    }
    if (bootstrap == null || group == null) fail("usage: GroupOffsets --bootstrap H:P --group G [--require-stable true]");

    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "tandem-group-offsets");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
    try (Admin admin = Admin.create(props)) {
      Map<TopicPartition, OffsetAndMetadata> offsets;
      try {
        offsets = admin
            .listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions().requireStable(requireStable))
            .partitionsToOffsetAndMetadata()
            .get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof GroupIdNotFoundException) return;
        fail(e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
        return;
      }
      Map<String, String> lines = new TreeMap<>();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
        if (e.getValue() == null) continue; // no committed offset for this partition
        TopicPartition tp = e.getKey();
        String line = "{\"topic\":" + quote(tp.topic()) + ",\"partition\":" + tp.partition()
            + ",\"offset\":" + e.getValue().offset() + ",\"metadata\":" + quote(e.getValue().metadata()) + "}";
        lines.put(tp.topic() + "\u0000" + String.format("%010d", tp.partition()), line);
      }
      for (String line : lines.values()) System.out.println(line);
    }
  }

  private static String quote(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static void fail(String message) {
    System.err.println("GroupOffsets: " + message);
    System.exit(1);
  }
}
