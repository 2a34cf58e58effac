// Health check for the local Kafka, run by scripts/brokers.sh as a single-file source program:
//   java -cp '.brokers/kafka/lib/*' KafkaHealth.java quick|roundtrip BOOTSTRAP TIMEOUT_SECONDS \
//     [--scram USER PASSWORD] [--check CLIENT_PROPERTIES]...
// quick: the cluster answers an admin call (describeCluster).
// roundtrip: also produce one record to a new auto-created topic and consume it with a group.
// --scram: then give USER SCRAM-SHA-256 and SCRAM-SHA-512 credentials with PASSWORD where it has
// none (existing ones are left alone, so concurrent logins are not disturbed).
// --check: then an admin call with each client configuration (a secured listener), retried until
// it works (SCRAM credentials reach the broker shortly after they are created).
// All within TIMEOUT_SECONDS. Prints "HEALTH: ..." lines; exit 0 when healthy.
import java.io.FileInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class KafkaHealth {
  static long deadline;

  static void check(boolean past, String what, Exception e) {
    if (past) {
      System.err.println("HEALTH: " + what + ": " + e);
      System.exit(1);
    }
  }

  // describeCluster retries an admin call with props until it sees a node or the deadline passes.
  static void describeCluster(Properties props, String what) throws InterruptedException {
    while (true) {
      try (Admin admin = Admin.create(props)) {
        int n = admin.describeCluster().nodes().get().size();
        if (n > 0) return;
      } catch (Exception e) {
        check(System.currentTimeMillis() > deadline, "describeCluster " + what, e);
      }
      Thread.sleep(500);
    }
  }

  // ensureScram gives user the SCRAM credentials it lacks.
  static void ensureScram(Properties common, String user, String password) throws InterruptedException {
    while (true) {
      try (Admin admin = Admin.create(common)) {
        List<ScramMechanism> have = new ArrayList<>();
        try {
          UserScramCredentialsDescription d = admin.describeUserScramCredentials(List.of(user)).description(user).get();
          for (ScramCredentialInfo i : d.credentialInfos()) have.add(i.mechanism());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof ResourceNotFoundException)) throw e;
        }
        for (ScramMechanism m : List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)) {
          if (have.contains(m)) continue;
          // one request per mechanism: the broker refuses two alterations of a user in one request
          List<UserScramCredentialAlteration> add =
              List.of(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(m, 4096), password));
          admin.alterUserScramCredentials(add).all().get();
          System.err.println("HEALTH: created the " + m.mechanismName() + " credentials of " + user);
        }
        return;
      } catch (Exception e) {
        check(System.currentTimeMillis() > deadline, "SCRAM credentials", e);
      }
      Thread.sleep(500);
    }
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0], bootstrap = args[1];
    deadline = System.currentTimeMillis() + Long.parseLong(args[2]) * 1000;
    String scramUser = null, scramPassword = null;
    List<String> checks = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      switch (args[i]) {
        case "--scram":
          scramUser = args[++i];
          scramPassword = args[++i];
          break;
        case "--check":
          checks.add(args[++i]);
          break;
        default:
          System.err.println("HEALTH: unknown argument " + args[i]);
          System.exit(2);
      }
    }
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    common.put("request.timeout.ms", "5000");
    common.put("default.api.timeout.ms", "10000");

    describeCluster(common, bootstrap);
    if (mode.equals("roundtrip")) roundtrip(common);
    if (scramUser != null) ensureScram(common, scramUser, scramPassword);
    for (String file : checks) {
      Properties p = (Properties) common.clone();
      try (FileInputStream in = new FileInputStream(file)) {
        p.load(in);
      }
      describeCluster(p, file);
    }
    System.err.println("HEALTH: ok (" + (mode.equals("roundtrip") ? "produce/consume" : "admin")
        + (checks.isEmpty() ? "" : ", " + checks.size() + " secured listener checks") + ")");
  }

  static void roundtrip(Properties common) throws Exception {

    String topic = "unimq-health-" + System.currentTimeMillis();
    String msg = "ping-" + System.nanoTime();
    Properties pp = (Properties) common.clone();
    pp.put("acks", "all");
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", StringSerializer.class.getName());
    pp.put("max.block.ms", "10000");
    try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
      while (true) {
        try {
          p.send(new ProducerRecord<>(topic, msg)).get();
          break;
        } catch (Exception e) {
          check(System.currentTimeMillis() > deadline, "produce", e);
          Thread.sleep(500);
        }
      }
    }

    Properties cp = (Properties) common.clone();
    cp.put("group.id", topic);
    cp.put("auto.offset.reset", "earliest");
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp)) {
      c.subscribe(List.of(topic));
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          if (msg.equals(r.value())) {
            c.commitSync();
            System.err.println("HEALTH: produce/consume ok (" + topic + ")");
            return;
          }
        }
      }
    }
    System.err.println("HEALTH: consumed nothing from " + topic + " before the deadline");
    System.exit(1);
  }
}
