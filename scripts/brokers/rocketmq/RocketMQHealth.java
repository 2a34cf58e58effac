// Health check for the local RocketMQ, run by scripts/brokers.sh as a single-file source program:
//   java -cp '.brokers/rocketmq/lib/*' RocketMQHealth.java quick|roundtrip NAMESRV BROKER_ADDR TIMEOUT_SECONDS
// quick: the broker is registered at the name server with BROKER_ADDR.
// roundtrip: also create a new topic on the broker, send one message and pull it back.
// Prints "HEALTH: ..." lines on stderr; exit 0 when healthy.
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

public class RocketMQHealth {
  static long deadline;

  static void check(String what, Exception e) {
    if (System.currentTimeMillis() > deadline) {
      System.err.println("HEALTH: " + what + ": " + e);
      System.exit(1);
    }
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0], ns = args[1], brokerAddr = args[2];
    deadline = System.currentTimeMillis() + Long.parseLong(args[3]) * 1000;
    String id = "unimq-health-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis();

    DefaultMQAdminExt admin = new DefaultMQAdminExt(5000);
    admin.setNamesrvAddr(ns);
    admin.setInstanceName(id);
    admin.start();
    String brokerName = null;
    while (brokerName == null) {
      try {
        ClusterInfo ci = admin.examineBrokerClusterInfo();
        for (BrokerData bd : ci.getBrokerAddrTable().values()) {
          if (brokerAddr.equals(bd.getBrokerAddrs().get(0L))) brokerName = bd.getBrokerName();
        }
        if (brokerName == null) throw new IllegalStateException("broker " + brokerAddr + " not registered");
      } catch (Exception e) {
        check("cluster info", e);
        Thread.sleep(500);
      }
    }
    if (mode.equals("quick")) {
      System.err.println("HEALTH: ok (" + brokerName + " registered)");
      admin.shutdown();
      System.exit(0);
    }

    String topic = id;
    String body = "ping-" + System.nanoTime();
    while (true) {
      try {
        admin.createAndUpdateTopicConfig(brokerAddr, new TopicConfig(topic, 1, 1));
        break;
      } catch (Exception e) {
        check("create topic", e);
        Thread.sleep(500);
      }
    }
    admin.shutdown();

    DefaultMQProducer p = new DefaultMQProducer(id + "-p");
    p.setNamesrvAddr(ns);
    p.setInstanceName(id);
    p.setSendMsgTimeout(5000);
    p.start();
    while (true) {
      try {
        SendResult r = p.send(new Message(topic, body.getBytes(StandardCharsets.UTF_8)));
        if (r.getSendStatus() == SendStatus.SEND_OK) break;
        throw new IllegalStateException("send status " + r.getSendStatus());
      } catch (Exception e) {
        check("send", e);
        Thread.sleep(500);
      }
    }
    p.shutdown();

    @SuppressWarnings("deprecation")
    DefaultMQPullConsumer c = new DefaultMQPullConsumer(id + "-c");
    c.setNamesrvAddr(ns);
    c.setInstanceName(id);
    c.start();
    MessageQueue mq = new MessageQueue(topic, brokerName, 0);
    while (true) {
      try {
        PullResult r = c.pull(mq, "*", 0, 32);
        if (r.getPullStatus() == PullStatus.FOUND) {
          for (MessageExt m : r.getMsgFoundList()) {
            if (body.equals(new String(m.getBody(), StandardCharsets.UTF_8))) {
              System.err.println("HEALTH: ok (send/pull " + topic + ")");
              c.shutdown();
              System.exit(0);
            }
          }
        }
        throw new IllegalStateException("pull status " + r.getPullStatus());
      } catch (Exception e) {
        check("pull", e);
        Thread.sleep(300);
      }
    }
  }
}
