package dev.loopdesk.mongojavaserver;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import sun.misc.Signal;

/**
 * A MongoDB wire-protocol server on loopback, storing its data in one H2 MVStore file.
 *
 * <pre>
 *   java -jar mongo-java-server.jar --port 27018 --data-file .data/mongo-java-server/loopdesk.mv.db
 * </pre>
 *
 * Prints exactly one line, {@code listening on 127.0.0.1:PORT}, on stdout once it accepts
 * connections ({@code --port 0} picks a free port and prints it). SIGTERM or SIGINT closes the
 * listener and the store, so every committed write is on disk, then exits with status 0.
 */
public final class Main {

    private static final String HOST = "127.0.0.1";
    private static final int COMMIT_DELAY_MS = 100;
    private static final String USAGE = "usage: java -jar mongo-java-server.jar --port N --data-file PATH";

    private Main() {
    }

    public static void main(String[] args) {
        // Must be set before the first logger is created. The caller can still override it with
        // -Dorg.slf4j.simpleLogger.defaultLogLevel=info; logs go to stderr, stdout stays ours.
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // Both log a stack trace at ERROR for routine events: a client resetting its connection
        // (the Node driver does on close) and every failed command, "collection already exists"
        // from mongoose's autoCreate included. A failed command is answered to the client anyway;
        // set these to "error" to see them again.
        setDefault("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoExceptionHandler", "off");
        setDefault("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler", "off");

        Integer port = null;
        String dataFile = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    value = arg.substring(eq + 1);
                    arg = arg.substring(0, eq);
                }
                switch (arg) {
                    case "--port" -> port = Integer.parseInt(value != null ? value : args[++i]);
                    case "--data-file" -> dataFile = value != null ? value : args[++i];
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown argument: " + arg);
                }
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            fail(e instanceof ArrayIndexOutOfBoundsException ? "missing value for " + args[args.length - 1] : e.getMessage());
        }
        if (port == null || port < 0 || port > 65535) {
            fail("--port N is required (0..65535)");
        }
        if (dataFile == null || dataFile.isBlank()) {
            fail("--data-file PATH is required");
        }

        Path dataPath = Path.of(dataFile).toAbsolutePath();
        MongoServer server;
        try {
            Path parent = dataPath.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // Opens (or creates) the MVStore file; fails if another process holds its lock.
            H2Backend backend = new H2Backend(dataPath.toString());
            // MVStore writes changes to the file from a background thread, by default up to a second
            // after they were made: a SIGKILL would lose that second. 100 ms is mongod's journal
            // commit interval.
            backend.getMvStore().setAutoCommitDelay(COMMIT_DELAY_MS);
            server = new MongoServer(backend);
        } catch (IOException | RuntimeException e) {
            die("cannot open data file " + dataPath + ": " + e);
            return;
        }

        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                // Closes the listener, then the backend, which closes (flushes) the MVStore.
                server.shutdown();
            }
        };

        // Installed before bind so that a signal arriving during start-up still closes the store.
        // (A non-interactive shell starts "cmd &" with SIGINT ignored, and the JVM keeps it ignored.)
        CountDownLatch signalled = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> signalled.countDown());
        Signal.handle(new Signal("INT"), s -> signalled.countDown());
        // Any other exit path (System.exit, SIGHUP) still closes the store.
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "mongo-java-server-shutdown"));

        try {
            server.bind(HOST, port);
        } catch (Exception e) { // Netty rethrows a BindException without declaring it
            stop.run(); // Netty's threads are not daemons: without this the JVM would not exit
            die("cannot listen on " + HOST + ":" + port + ": " + e);
        }

        InetSocketAddress address = server.getLocalAddress();
        System.out.println("listening on " + HOST + ":" + address.getPort());
        System.out.flush();

        try {
            signalled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.run();
        System.exit(0);
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** A usage error: exit status 2. */
    private static void fail(String message) {
        System.err.println("mongo-java-server: " + message);
        System.err.println(USAGE);
        System.exit(2);
    }

    /** A start-up failure (store locked or corrupt, port taken): exit status 1. */
    private static void die(String message) {
        System.err.println("mongo-java-server: " + message);
        System.exit(1);
    }
}
