// Health check for the local Kafka, run by scripts/brokers.sh as a single-file source program:
//   java -cp '.brokers/kafka/lib/*' KafkaHealth.java quick|roundtrip BOOTSTRAP TIMEOUT_SECONDS
// quick: the cluster answers an admin call (describeCluster).
// roundtrip: also produce one record to a new auto-created topic and consume it with a group.
// Prints "HEALTH: ..." lines; exit 0 when healthy.
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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

  public static void main(String[] args) throws Exception {
    String mode = args[0], bootstrap = args[1];
    deadline = System.currentTimeMillis() + Long.parseLong(args[2]) * 1000;
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    common.put("request.timeout.ms", "5000");
    common.put("default.api.timeout.ms", "10000");

    while (true) {
      try (Admin admin = Admin.create(common)) {
        int n = admin.describeCluster().nodes().get().size();
        if (n > 0) break;
      } catch (Exception e) {
        check(System.currentTimeMillis() > deadline, "describeCluster", e);
      }
      Thread.sleep(500);
    }
    if (mode.equals("quick")) {
      System.err.println("HEALTH: ok (admin)");
      return;
    }

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
            System.err.println("HEALTH: ok (produce/consume " + topic + ")");
            return;
          }
        }
      }
    }
    System.err.println("HEALTH: consumed nothing from " + topic + " before the deadline");
    System.exit(1);
  }
}
