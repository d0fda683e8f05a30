import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local on one address: `DynamoDbLocalOnHost <host> <DynamoDB Local's own options>`.
 * DynamoDB Local has no option for its listen address: its DynamoDBProxyServer builds a
 * Jetty `new Server(port)`, whose connector listens on every interface. This has DynamoDB
 * Local's own ServerRunner build the server from the options, as its main does, names the
 * address on that connector before it starts, and starts it. Compiled on first use by
 * lib/local/dynamodb-launcher.ts.
 */
public class DynamoDbLocalOnHost {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    if (proxy == null) return; // -help or -version: DynamoDB Local printed it.
    Field jetty;
    try {
      jetty = DynamoDBProxyServer.class.getDeclaredField("server");
    } catch (NoSuchFieldException changed) {
      throw new IllegalStateException("this DynamoDB Local keeps its Jetty server elsewhere: lib/local/java/DynamoDbLocalOnHost.java needs updating", changed);
    }
    jetty.setAccessible(true);
    for (Connector connector : ((Server) jetty.get(proxy)).getConnectors()) ((ServerConnector) connector).setHost(host);
    proxy.start();
  }
}
