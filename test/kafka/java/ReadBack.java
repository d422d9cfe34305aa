import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic with the Java client (the broker's own KafkaConsumer) and prints one JSON line
 * per record, with keys, values and header values in base64, so that test/kafka/readers.ts can
 * compare them byte for byte with what Tandem wrote.
 *
 * It assigns every partition and reads from the beginning, with no consumer group: no group
 * coordinator, no rebalance, no committed offsets left behind.
 *
 * Usage: ReadBack --bootstrap H:P --topic T [--count N] [--timeout-ms MS]
 *                 [--isolation read_committed|read_uncommitted] [--partition P]
 *                 [--property NAME=VALUE ...]
 *
 * Each --property is a consumer config set after ReadBack's own, e.g. the security.protocol,
 * sasl.* and ssl.* settings of a secured listener.
 *
 * Stops after N records, or (without --count) at the end offsets seen at start. Exit code 0 when
 * it read what it was asked for, 3 on timeout (the records read so far are printed anyway).
 */
public final class ReadBack {
  public static void main(String[] argv) throws Exception {
    List<String> properties = new ArrayList<>();
    Map<String, String> args = parse(argv, properties);
    String bootstrap = required(args, "bootstrap");
    String topic = required(args, "topic");
    long count = Long.parseLong(args.getOrDefault("count", "-1"));
    long timeoutMs = Long.parseLong(args.getOrDefault("timeout-ms", "30000"));
    String isolation = args.getOrDefault("isolation", "read_uncommitted");
    long deadline = System.currentTimeMillis() + timeoutMs;

    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tandem-readback");
    for (String property : properties) {
      int eq = property.indexOf('=');
      if (eq <= 0) usage("--property wants NAME=VALUE, got: " + property);
      props.put(property.substring(0, eq), property.substring(eq + 1));
    }

    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = partitions(consumer, topic, args.get("partition"), deadline);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // Without a count, "everything" means up to the end offsets (the last stable offsets under
      // read_committed) as they are now.
      Map<TopicPartition, Long> end = count < 0 ? consumer.endOffsets(partitions, Duration.ofMillis(remaining(deadline))) : null;

      long read = 0;
      StringBuilder line = new StringBuilder(256);
      while (true) {
        if (count >= 0 ? read >= count : reachedEnd(consumer, end)) {
          System.out.flush();
          return;
        }
        long left = remaining(deadline);
        if (left <= 0) {
          System.out.flush();
          System.err.println("ReadBack: timed out after " + timeoutMs + " ms with " + read + " record(s)");
          System.exit(3);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(Math.min(left, 200)))) {
          if (count >= 0 && read >= count) break;
          line.setLength(0);
          line.append("{\"topic\":").append(json(r.topic()))
              .append(",\"partition\":").append(r.partition())
              .append(",\"offset\":").append(r.offset())
              .append(",\"timestamp\":").append(r.timestamp())
              .append(",\"timestampType\":").append(json(r.timestampType().name))
              .append(",\"leaderEpoch\":").append(r.leaderEpoch().map(String::valueOf).orElse("null"))
              .append(",\"key\":").append(base64(r.key()))
              .append(",\"value\":").append(base64(r.value()))
              .append(",\"headers\":[");
          boolean first = true;
          for (Header h : r.headers()) {
            if (!first) line.append(',');
            first = false;
            line.append('[').append(json(h.key())).append(',').append(base64(h.value())).append(']');
          }
          line.append("]}");
          System.out.println(line);
          read++;
        }
      }
    }
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic, String only, long deadline) throws InterruptedException {
    if (only != null) return List.of(new TopicPartition(topic, Integer.parseInt(only)));
    // A topic created a moment ago may not be in this broker's metadata yet: ask again.
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofMillis(Math.max(1, remaining(deadline))));
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> result = new ArrayList<>();
        for (PartitionInfo info : infos) result.add(new TopicPartition(topic, info.partition()));
        result.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return result;
      }
      if (remaining(deadline) <= 0) {
        System.err.println("ReadBack: topic " + topic + " not found");
        System.exit(3);
      }
      Thread.sleep(100);
    }
  }

  private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }

  private static long remaining(long deadline) {
    return deadline - System.currentTimeMillis();
  }

  private static String base64(byte[] bytes) {
    return bytes == null ? "null" : "\"" + Base64.getEncoder().encodeToString(bytes) + "\"";
  }

  /**
   * A JSON string literal in pure ASCII: quotes and backslashes escaped, and every character
   * outside printable ASCII as a JSON unicode escape, so that the JVM's output encoding (ASCII when LANG
   * is unset) cannot mangle a header key.
   */
  static String json(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  /** Options as a map, except --property, which may repeat: its values go to `properties`. */
  static Map<String, String> parse(String[] argv, List<String> properties) {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) usage("bad argument: " + argv[i]);
      String name = argv[i].substring(2);
      String value = argv[++i];
      if (name.equals("property")) properties.add(value);
      else args.put(name, value);
    }
    return args;
  }

  static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null) usage("missing --" + name);
    return v;
  }

  private static void usage(String why) {
    System.err.println("ReadBack: " + why);
    System.err.println("usage: ReadBack --bootstrap H:P --topic T [--count N] [--timeout-ms MS] [--isolation read_committed|read_uncommitted] [--partition P] [--property NAME=VALUE ...]");
    System.exit(2);
  }
}
