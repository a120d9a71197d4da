package launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * One OpenSearch node in this JVM, from the jars on the classpath (no distribution, no plugin folder):
 *
 *   java -cp 'target/classes:target/lib/*:target/knn/*' launcher.NodeLauncher key=value ...
 *
 * Every argument is a node setting (cluster.name, node.name, path.home, http.port, transport.port,
 * discovery.seed_hosts, cluster.initial_cluster_manager_nodes ...). Node's constructor that takes plugin
 * classes is protected; the test framework's MockNode subclasses it the same way. Prints
 * "node started" on stdout once the node runs; SIGTERM closes it.
 */
public final class NodeLauncher extends Node {
    /** Modules and plugins a node of the tests needs, loaded from the classpath. */
    private static final String[] PLUGINS = {
        "org.opensearch.transport.Netty4Plugin",
        "org.opensearch.painless.PainlessPlugin",
        "org.opensearch.analysis.common.CommonAnalysisPlugin",
        "org.opensearch.knn.plugin.KNNPlugin",
    };

    private NodeLauncher(Environment environment, List<Class<? extends Plugin>> plugins) {
        super(environment, plugins, true);
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected key=value, got " + arg);
            builder.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Settings settings = builder.build();
        Path home = Path.of(settings.get("path.home"));
        Files.createDirectories(home.resolve("config"));
        // Must come before any logger is made: every log line then names its node.
        LogConfigurator.setNodeName(settings.get("node.name", "node"));
        LogConfigurator.configureWithoutConfig(settings);

        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        for (String name : PLUGINS) plugins.add(Class.forName(name).asSubclass(Plugin.class));
        Node node = new NodeLauncher(new Environment(settings, home.resolve("config")), plugins);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }));
        node.start();
        System.out.println("node started");
        System.out.flush();
        stopped.await();
    }
}
