import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates a topic with the Java AdminClient and waits until every partition has a leader and
 * its full replica set in sync, so that a test can produce to it at once without first meeting
 * LEADER_NOT_AVAILABLE (which a producer must survive, but not in every test).
 *
 * Usage: TopicAdmin create --bootstrap H:P --topic T [--partitions N] [--replication-factor R]
 *                          [--config k=v]... [--if-not-exists true] [--timeout-ms MS]
 *                          [--property NAME=VALUE]... (admin client settings, e.g. security.protocol)
 *        TopicAdmin add-partitions --bootstrap H:P --topic T --partitions N [--timeout-ms MS]
 *
 * add-partitions raises an existing topic's partition count to N (CreatePartitions) and waits,
 * as create does, until every partition has a leader and its replicas in sync: for tests of a
 * producer that must notice partitions added while it runs.
 *
 * Prints nothing on success. Exit code 0 on success, 1 with the reason on stderr otherwise.
 */
public final class TopicAdmin {
  public static void main(String[] argv) throws Exception {
    if (argv.length == 0 || !(argv[0].equals("create") || argv[0].equals("add-partitions"))) {
      fail("usage: TopicAdmin create|add-partitions --bootstrap H:P --topic T ...");
    }
    boolean add = argv[0].equals("add-partitions");
    String bootstrap = null;
    String topic = null;
    // Unset means the broker's default (num.partitions, default.replication.factor).
    Optional<Integer> partitions = Optional.empty();
    Optional<Short> replicationFactor = Optional.empty();
    boolean ifNotExists = false;
    long timeoutMs = 30000;
    Map<String, String> configs = new HashMap<>();
    Map<String, String> clientProperties = new HashMap<>();
    for (int i = 1; i < argv.length; i += 2) {
      if (i + 1 >= argv.length) fail("missing value for " + argv[i]);
      String value = argv[i + 1];
      switch (argv[i]) {
        case "--bootstrap": bootstrap = value; break;
        case "--topic": topic = value; break;
        case "--partitions": partitions = Optional.of(Integer.parseInt(value)); break;
        case "--replication-factor": replicationFactor = Optional.of(Short.parseShort(value)); break;
        case "--if-not-exists": ifNotExists = Boolean.parseBoolean(value); break;
        case "--timeout-ms": timeoutMs = Long.parseLong(value); break;
        case "--config": {
          int eq = value.indexOf('=');
          if (eq <= 0) fail("--config wants key=value, got " + value);
          configs.put(value.substring(0, eq), value.substring(eq + 1));
          break;
        }
        case "--property": {
          int eq = value.indexOf('=');
          if (eq <= 0) fail("--property wants NAME=VALUE, got " + value);
          clientProperties.put(value.substring(0, eq), value.substring(eq + 1));
          break;
        }
        default: fail("unknown option " + argv[i]);
      }
    }
    if (bootstrap == null || topic == null) fail("--bootstrap and --topic are required");
    if (add && !partitions.isPresent()) fail("add-partitions needs --partitions");
    long deadline = System.currentTimeMillis() + timeoutMs;

    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "tandem-topic-admin");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
    props.putAll(clientProperties);
    try (Admin admin = Admin.create(props)) {
      if (add) {
        try {
          admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions.get()))).all().get();
        } catch (ExecutionException e) {
          fail(describe(e.getCause()));
        }
        waitReady(admin, topic, partitions.get(), deadline, timeoutMs);
        return;
      }
      NewTopic newTopic = new NewTopic(topic, partitions, replicationFactor).configs(configs);
      try {
        admin.createTopics(List.of(newTopic)).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException) || !ifNotExists) fail(describe(e.getCause()));
      }
      // Created means the controller recorded it; ready means every replica took part in it.
      waitReady(admin, topic, partitions.orElse(1), deadline, timeoutMs);
    }
  }

  private static void waitReady(Admin admin, String topic, int partitions, long deadline, long timeoutMs) throws InterruptedException {
    while (true) {
      String missing = notReady(admin, topic, partitions);
      if (missing == null) return;
      if (System.currentTimeMillis() >= deadline) fail("topic " + topic + " not ready after " + timeoutMs + " ms: " + missing);
      Thread.sleep(50);
    }
  }

  /** Why the topic is not ready yet, or null when it is. */
  private static String notReady(Admin admin, String topic, int partitions) throws InterruptedException {
    TopicDescription description;
    try {
      description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    } catch (ExecutionException e) {
      return describe(e.getCause());
    }
    List<TopicPartitionInfo> infos = new ArrayList<>(description.partitions());
    if (infos.size() < partitions) return infos.size() + " of " + partitions + " partitions known";
    for (TopicPartitionInfo info : infos) {
      if (info.leader() == null || info.leader().isEmpty()) return "partition " + info.partition() + " has no leader";
      if (info.isr().size() < info.replicas().size()) return "partition " + info.partition() + " has " + info.isr().size() + " in-sync replicas";
    }
    return null;
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  private static void fail(String why) {
    System.err.println("TopicAdmin: " + why);
    System.exit(1);
  }
}
