package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.ChromiumDriverLogLevel;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.ops4j.pax.exam.ExamSystem;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.TestContainer;
import org.ops4j.pax.exam.nat.internal.NativeTestContainer;
import org.ops4j.pax.exam.spi.PaxExamRuntime;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The Felix Web Console's configuration pages for our factory PIDs, used the way an operator does: in a real
 * browser (Debian's chromium, headless, driven by Selenium through chromedriver).
 * <p>
 * Unlike the other integration tests this class runs on the <em>host</em>: it is a plain JUnit test that boots the
 * framework itself through Pax Exam's native container (Felix + HTTP Jetty + Web Console + SCR, ConfigAdmin,
 * Metatype, our bundles and Jackson), drives the browser, and checks the outcome through the framework's service
 * registry (the system bundle's context) and the test broker, which also runs in this JVM. Framework classes other
 * than {@code org.osgi.framework}/{@code org.osgi.util.tracker} (shared with the host through the Felix jar) are
 * reached reflectively through the interfaces the bundles themselves load.
 * <p>
 * Missing chromium or chromedriver is a failure, never a skip: the test names the Debian packages to install.
 */
public class WebConsoleIT {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private static final String CONNECTION_PID = "org.iotgateway.mqtt.connection";
    private static final String IOT_CONNECTION = "org.iotgateway.api.IoTConnection";

    /** Our factory PIDs and the OCD names the console must show for them. */
    private static final Map<String, String> FACTORY_NAMES = new LinkedHashMap<>();
    static {
        FACTORY_NAMES.put(CONNECTION_PID, "AWS IoT Connection");
        FACTORY_NAMES.put("org.iotgateway.shadow", "AWS IoT Device Shadow");
        FACTORY_NAMES.put("org.iotgateway.jobs", "AWS IoT Jobs");
        FACTORY_NAMES.put("org.iotgateway.greengrass.discovery", "AWS IoT Greengrass Discovery");
        FACTORY_NAMES.put("org.iotgateway.greengrass.autoconnect", "AWS IoT Greengrass Core Auto-Connect");
    }

    /** The secret fields of the connection form, which must be password inputs. */
    private static final String[] CONNECTION_SECRETS = { "password", "keystore.password", "aws.secret.access.key",
            "aws.session.token", "custom.auth.token.value", "custom.auth.token.signature", "proxy.password" };

    /** Bound for everything that should happen "soon". */
    private static final long TIMEOUT_MS = 15_000;
    /** How long a service that must not appear is given to appear anyway. */
    private static final long ABSENCE_MS = 1_500;

    private static final String CONSOLE_USER = "itest-admin";
    private static String consolePassword;
    private static int httpPort;
    private static int brokerPort;

    private static ExamSystem examSystem;
    private static TestContainer container;
    private static BundleContext context;

    private static ChromeDriverService driverService;
    private static ChromeDriver driver;
    private static Path userDataDir;
    private static File outputDir;

    // ------------------------------------------------------------------------------ set-up

    @BeforeClass
    public static void start() throws Exception {
        // before anything else: the browser must be there (fail, never skip)
        requireExecutable(CHROMIUM, "chromium");
        requireExecutable(CHROMEDRIVER, "chromium-driver");

        outputDir = new File(System.getProperty("itest.storage", "target/itest-framework")).getParentFile();
        outputDir = new File(outputDir == null ? new File("target") : outputDir, "webconsole");
        if (!outputDir.isDirectory() && !outputDir.mkdirs()) {
            throw new IOException("cannot create " + outputDir);
        }

        brokerPort = TestBroker.ensureStarted();
        httpPort = freePort();
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        consolePassword = Base64.getUrlEncoder().withoutPadding().encodeToString(random);

        // a test system: runtime() includes junitBundles(), whose invoker needs the Pax Exam bundles it adds
        examSystem = PaxExamRuntime.createTestSystem(options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                ItestOptions.jobs(), // with Jackson
                ItestOptions.shadow(),
                ItestOptions.greengrassDiscovery(),
                webConsole()));
        container = PaxExamRuntime.createContainer(examSystem);
        container.start();
        // the native container runs Felix in this JVM; its system bundle gives the host the service registry
        context = ((NativeTestContainer) container).getSystemBundle().getBundleContext();
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() != 0 && !Bundles.isFragment(b)) {
                Bundles.assertActive(b);
            }
        }

        driver = startChromium();
    }

    @AfterClass
    public static void stop() throws Exception {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            try {
                if (driverService != null) {
                    driverService.stop();
                }
            } finally {
                try {
                    if (container != null) {
                        container.stop();
                    }
                } finally {
                    if (examSystem != null) {
                        examSystem.clear();
                    }
                    deleteTree(userDataDir);
                }
            }
        }
    }

    /** Felix HTTP Jetty on 127.0.0.1 and a free port, and the Web Console with this run's credentials. */
    private static Option webConsole() {
        return composite(
                frameworkProperty("org.osgi.service.http.port").value(String.valueOf(httpPort)),
                frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"),
                frameworkProperty("felix.webconsole.username").value(CONSOLE_USER),
                frameworkProperty("felix.webconsole.password").value(consolePassword),
                mavenBundle("org.apache.felix", "org.apache.felix.http.servlet-api").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.http.jetty").versionAsInProject(),
                mavenBundle("commons-io", "commons-io").versionAsInProject(),
                mavenBundle("commons-fileupload", "commons-fileupload").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.inventory").versionAsInProject(),
                mavenBundle("org.owasp.encoder", "encoder").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.webconsole").versionAsInProject());
    }

    private static ChromeDriver startChromium() throws IOException {
        userDataDir = Files.createTempDirectory("iotgw-chromium-");
        // the driver is given explicitly: Selenium Manager never runs, nothing is downloaded
        driverService = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .withLogFile(new File(outputDir, "chromedriver.log"))
                .withLogLevel(ChromiumDriverLogLevel.WARNING)
                .build();
        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(CHROMIUM);
        chrome.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=en-US", "--window-size=1400,1000",
                "--user-data-dir=" + userDataDir);
        ChromeDriver d = new ChromeDriver(driverService, chrome);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        // HTTP Basic credentials of the console on every request, including the page's own XHRs
        d.executeCdpCommand("Network.enable", Map.of());
        String basic = Base64.getEncoder()
                .encodeToString((CONSOLE_USER + ":" + consolePassword).getBytes(StandardCharsets.UTF_8));
        d.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", "Basic " + basic)));
        return d;
    }

    // ------------------------------------------------------------------------------ tests

    @Test
    public void configurationPageListsEveryFactoryPidWithItsOcdName() {
        openConfigurationPage();
        Map<String, String> listed = new LinkedHashMap<>();
        for (Object entry : (List<?>) js("return configData.fpids.map(function (f) { return [f.id, f.name]; });")) {
            List<?> pair = (List<?>) entry;
            listed.put(String.valueOf(pair.get(0)), String.valueOf(pair.get(1)));
        }
        List<String> rows = new ArrayList<>();
        for (WebElement row : driver.findElements(By.cssSelector("#configTable tr.fpid td:nth-child(2)"))) {
            rows.add(row.getText().trim());
        }
        for (Map.Entry<String, String> e : FACTORY_NAMES.entrySet()) {
            assertEquals("name of factory " + e.getKey() + " on the configuration page; factories: " + listed,
                    e.getValue(), listed.get(e.getKey()));
            assertTrue("a factory row reading '" + e.getValue() + "' is shown; rows: " + rows, rows.contains(e.getValue()));
        }
    }

    @Test
    public void everyFactoryFormHasReadableLabelsAndDescriptions() {
        for (Map.Entry<String, String> e : FACTORY_NAMES.entrySet()) {
            openConfigurationPage();
            openFactoryForm(e.getValue());
            assertEquals("dialog title of " + e.getKey(), e.getValue(),
                    driver.findElement(By.cssSelector(".ui-dialog-title")).getText().trim());
            assertFalse("OCD description of " + e.getKey() + " shown above the form",
                    driver.findElement(By.cssSelector("#editorForm td.configDescription")).getText().isBlank());
            List<String> problems = new ArrayList<>();
            Map<String, String[]> fields = formFields();
            assertFalse("no fields in the form of " + e.getKey(), fields.isEmpty());
            for (Map.Entry<String, String[]> f : fields.entrySet()) {
                String id = f.getKey();
                String label = f.getValue()[0];
                String description = f.getValue()[1];
                if (label.isBlank() || label.equals(id) || label.matches(".*[a-z][._][a-z].*")) {
                    problems.add(id + ": label '" + label + "' is not readable");
                }
                if (description.isBlank()) {
                    problems.add(id + " ('" + label + "'): no description");
                }
            }
            assertEquals("fields of " + e.getKey() + " that read badly in the Web Console", List.of(), problems);
        }
    }

    @Test
    public void connectionFormShowsLabelsOptionListsAndPasswordFields() throws Exception {
        openConfigurationPage();
        openFactoryForm(FACTORY_NAMES.get(CONNECTION_PID));
        Map<String, String[]> fields = formFields();

        assertEquals("Endpoint", fields.get("endpoint")[0]);
        assertTrue(fields.get("endpoint")[1], fields.get("endpoint")[1].startsWith("Broker host name"));
        assertEquals("Port", fields.get("port")[0]);
        assertEquals("Client id", fields.get("client.id")[0]);
        assertEquals("Thing name", fields.get("thing.name")[0]);

        // option lists: labels for people, values for the configuration
        Select transport = new Select(input("transport"));
        Map<String, String> transports = optionsOf(transport);
        assertEquals("MQTT over TLS, X.509 client certificate (port 8883)", transports.get("mqtts"));
        assertEquals("Plain TCP, no TLS (local brokers and tests only)", transports.get("tcp"));
        assertEquals(List.of("mqtts", "mqtts-alpn-443", "wss-sigv4", "custom-auth", "custom-auth-wss", "tcp"),
                new ArrayList<>(transports.keySet()));
        assertEquals("the default transport is preselected", "mqtts",
                transport.getFirstSelectedOption().getAttribute("value"));
        Map<String, String> storage = optionsOf(new Select(input("queue.storage")));
        assertEquals("Disk (survives restarts and crashes)", storage.get("disk"));
        assertEquals(2, storage.size());

        // secrets are typed into password inputs, never shown
        Map<?, ?> kinds = (Map<?, ?>) js("var out = {};"
                + "document.querySelectorAll('#editorForm [name]').forEach(function (e) {"
                + "  var name = e.getAttribute('name');" // a check box is followed by a hidden 'false' of the same name
                + "  if (!(name in out)) out[name] = e.tagName.toLowerCase() + (e.type ? ':' + e.type : '');"
                + "});"
                + "return out;");
        for (String secret : CONNECTION_SECRETS) {
            assertEquals(secret + " is a password input", "input:password", kinds.get(secret));
        }
        assertEquals("a plain field is a text area", "textarea:textarea", kinds.get("endpoint"));
        assertEquals("a number is a text area too (the console checks types on save)", "textarea:textarea",
                kinds.get("port"));
        assertEquals("a boolean is a check box", "input:checkbox", kinds.get("hostname.verification"));

        fillValidConnection("webconsole-look", "webconsole-look-" + shortId(), "the-secret");
        screenshot("connection-form.png");
    }

    @Test
    public void connectionCreatedThroughTheFormRegistersAConnectedIoTConnection() throws Exception {
        String connectionId = "webconsole-" + shortId();
        String clientId = "webconsole-" + shortId();
        String secret = "pw-" + UUID.randomUUID();

        openConfigurationPage();
        openFactoryForm(FACTORY_NAMES.get(CONNECTION_PID));
        fillValidConnection(connectionId, clientId, secret);
        save();

        // the configuration ConfigAdmin holds, typed by the metatype
        Dictionary<?, ?> config = configurationProperties("(connection.id=" + connectionId + ")");
        assertEquals("127.0.0.1", config.get("endpoint"));
        assertEquals(Integer.valueOf(brokerPort), config.get("port"));
        assertEquals("tcp", config.get("transport"));
        assertEquals(clientId, config.get("client.id"));
        assertEquals("webconsole-thing", config.get("thing.name"));
        assertEquals("the password typed into the password field is stored", secret, config.get("password"));
        for (String untouched : CONNECTION_SECRETS) {
            if (!untouched.equals("password")) {
                assertEquals("secret " + untouched + " left empty in the form is not stored (the console shows a "
                        + "placeholder in password fields)", null, config.get(untouched));
            }
        }

        // the service, with the configured properties
        ServiceReference<?> ref = awaitConnectionService("(connection.id=" + connectionId + ")");
        assertEquals("127.0.0.1", ref.getProperty("endpoint"));
        assertEquals(brokerPort, ((Number) ref.getProperty("port")).intValue());
        assertEquals("tcp", ref.getProperty("transport"));
        assertEquals(clientId, ref.getProperty("client.id"));
        assertEquals("webconsole-thing", ref.getProperty("thing.name"));
        assertEquals(CONNECTION_PID, ref.getProperty("service.factoryPid"));
        for (String key : ref.getPropertyKeys()) {
            assertFalse("the password is not published in service property " + key,
                    String.valueOf(ref.getProperty(key)).contains(secret));
        }

        // and it is connected: it says so, and the broker sees its client id
        Object connection = context.getService(ref);
        try {
            assertNotNull(connection);
            Class<?> api = ref.getBundle().loadClass(IOT_CONNECTION);
            await("connection " + connectionId + " to be CONNECTED",
                    () -> "CONNECTED".equals(String.valueOf(call(api, connection, "state"))),
                    () -> "it is " + call(api, connection, "state"));
            await("client " + clientId + " to be connected to the broker",
                    () -> TestBroker.connectedClientIds().contains(clientId),
                    () -> "connected: " + TestBroker.connectedClientIds());
        } finally {
            context.ungetService(ref);
        }
    }

    @Test
    public void invalidValueSavedThroughTheFormRegistersNoConnection() throws Exception {
        String connectionId = "webconsole-bad-" + shortId();
        String clientId = "webconsole-bad-" + shortId();
        List<Object> registered = new CopyOnWriteArrayList<>();
        ServiceListener recorder = event -> {
            if (event.getType() == ServiceEvent.REGISTERED || event.getType() == ServiceEvent.MODIFIED) {
                registered.add(event.getServiceReference().getProperty("endpoint"));
            }
        };
        context.addServiceListener(recorder,
                "(&(objectClass=" + IOT_CONNECTION + ")(connection.id=" + connectionId + "))");
        // the framework logs through slf4j-simple to System.err of this JVM: keep a copy to read the error
        PrintStream stderr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new TeeOutputStream(stderr, log), true, StandardCharsets.UTF_8));
        try {
            openConfigurationPage();
            openFactoryForm(FACTORY_NAMES.get(CONNECTION_PID));
            fillValidConnection(connectionId, clientId, "");
            // a URL pasted where the host name belongs
            type("endpoint", "mqtts://127.0.0.1:" + brokerPort);
            save();

            // saved, but no service
            Object configuration = configuration("(connection.id=" + connectionId + ")");
            Dictionary<?, ?> saved = properties(configuration);
            assertEquals("mqtts://127.0.0.1:" + brokerPort, saved.get("endpoint"));
            Thread.sleep(ABSENCE_MS);
            assertEquals("IoTConnection services for the invalid configuration", List.of(),
                    services("(connection.id=" + connectionId + ")"));
            assertEquals("registrations seen for the invalid configuration", List.of(), registered);
            assertFalse(clientId + " never reached the broker", TestBroker.connectedClientIds().contains(clientId));
            String logged = log.toString(StandardCharsets.UTF_8);
            assertTrue("the log names the configuration, the property and the problem; log: " + logged,
                    logged.contains("is invalid, no IoTConnection registered: endpoint: 'mqtts://127.0.0.1:" + brokerPort
                            + "' is not a host name"));

            // correcting the value in the same configuration through the console brings the service
            String pid = (String) call(loadFromConfigAdmin("org.osgi.service.cm.Configuration"), configuration, "getPid");
            openConfigurationPage(pid);
            type("endpoint", "127.0.0.1");
            save();
            ServiceReference<?> fixed = awaitConnectionService("(connection.id=" + connectionId + ")");
            assertEquals("127.0.0.1", fixed.getProperty("endpoint"));
            await("client " + clientId + " to be connected to the broker after the fix",
                    () -> TestBroker.connectedClientIds().contains(clientId),
                    () -> "connected: " + TestBroker.connectedClientIds());
        } finally {
            System.setErr(stderr);
            context.removeServiceListener(recorder);
        }
    }

    /** Writes to two streams. */
    private static final class TeeOutputStream extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        TeeOutputStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }
    }

    // ------------------------------------------------------------------------------ browser helpers

    private static void openConfigurationPage() {
        openConfigurationPage(null);
    }

    /**
     * Opens the configuration page (of one configuration, whose form then opens, when pid is given) and waits
     * until the page's script has built the table. The console registers its servlets shortly after the
     * framework started, so the first attempts may see a 404.
     */
    private static void openConfigurationPage(String pid) {
        String url = "http://127.0.0.1:" + httpPort + "/system/console/configMgr" + (pid == null ? "" : "/" + pid);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true) {
            driver.get(url);
            if (!driver.findElements(By.cssSelector("#configTable tbody tr")).isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("the Web Console's configuration page " + url + " did not show the configuration table within "
                        + TIMEOUT_MS + " ms; page title '" + driver.getTitle() + "', text: " + pageText());
            }
            sleep(250);
        }
        if (pid != null) {
            waitFor("the form of " + pid, ExpectedConditions.visibilityOfElementLocated(By.id("editorForm")));
        }
    }

    /** Clicks the factory row with that name, as a user creating a configuration does. */
    private static void openFactoryForm(String name) {
        WebElement cell = null;
        for (WebElement c : driver.findElements(By.cssSelector("#configTable tr.fpid td:nth-child(2)"))) {
            if (name.equals(c.getText().trim())) {
                cell = c;
            }
        }
        assertNotNull("no factory row '" + name + "' on the configuration page", cell);
        cell.click();
        waitFor("the form of '" + name + "'", ExpectedConditions.visibilityOfElementLocated(By.id("editorForm")));
    }

    /**
     * Reads the open form in one script call (one WebDriver round trip instead of several per field).
     *
     * @return for each field of the open form (by property id, in form order): its label and description
     */
    private static Map<String, String[]> formFields() {
        List<?> rows = (List<?>) js("var out = [];"
                + "document.querySelectorAll('#editorForm table > tbody > tr').forEach(function (tr) {"
                + "  var cells = tr.querySelectorAll(':scope > td');"
                + "  if (cells.length < 3) return;"
                + "  var field = cells[2].querySelector('[name]');"
                + "  if (!field) return;"
                + "  var description = cells[2].querySelector('div.topPaddedText');"
                + "  out.push([field.getAttribute('name'), cells[1].innerText.trim(),"
                + "            description ? description.innerText.trim() : '']);"
                + "});"
                + "return out;");
        Map<String, String[]> fields = new LinkedHashMap<>();
        for (Object row : rows) {
            List<?> r = (List<?>) row;
            fields.put(String.valueOf(r.get(0)), new String[] { String.valueOf(r.get(1)), String.valueOf(r.get(2)) });
        }
        return fields;
    }

    private static WebElement input(String name) {
        List<WebElement> found = driver.findElements(By.cssSelector("#editorForm [name='" + name + "']"));
        assertFalse("no field '" + name + "' in the form", found.isEmpty());
        return found.get(0);
    }

    private static Map<String, String> optionsOf(Select select) {
        Map<String, String> options = new LinkedHashMap<>();
        for (WebElement o : select.getOptions()) {
            options.put(o.getAttribute("value"), o.getText().trim());
        }
        return options;
    }

    /** A valid plain-TCP connection to the test broker; an empty password leaves the password unset. */
    private static void fillValidConnection(String connectionId, String clientId, String password) {
        type("connection.id", connectionId);
        type("endpoint", "127.0.0.1");
        type("port", String.valueOf(brokerPort));
        new Select(input("transport")).selectByValue("tcp");
        type("thing.name", "webconsole-thing");
        type("client.id", clientId);
        type("reconnect.backoff.base.ms", "200");
        if (!password.isEmpty()) {
            type("username", "gateway");
            type("password", password);
        }
    }

    /**
     * Types a value, and ticks the field's "optional" box when it has one: the console saves optional properties
     * only when ticked.
     */
    private static void type(String name, String value) {
        WebElement field = input(name);
        field.clear();
        field.sendKeys(value);
        List<WebElement> optional = driver.findElements(
                By.cssSelector("#editorForm input.optionality[name='opt" + name + "']"));
        if (!optional.isEmpty() && !optional.get(0).isSelected()) {
            optional.get(0).click();
        }
    }

    /** Clicks the dialog's Save button and waits for the page the console reloads after saving. */
    private static void save() {
        WebElement save = null;
        for (WebElement b : driver.findElements(By.cssSelector(".ui-dialog-buttonpane button"))) {
            if ("Save".equals(b.getText().trim())) {
                save = b;
            }
        }
        assertNotNull("no Save button in the dialog", save);
        WebElement form = driver.findElement(By.id("editorForm"));
        save.click();
        waitFor("the page to reload after saving", ExpectedConditions.stalenessOf(form));
        waitFor("the configuration table", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#configTable tbody tr")));
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    private static void waitFor(String what, org.openqa.selenium.support.ui.ExpectedCondition<?> condition) {
        try {
            new WebDriverWait(driver, Duration.ofMillis(TIMEOUT_MS)).until(condition);
        } catch (TimeoutException e) {
            fail("timed out after " + TIMEOUT_MS + " ms waiting for " + what + "; page text: " + pageText());
        }
    }

    private static String pageText() {
        try {
            String text = driver.findElement(By.tagName("body")).getText();
            return text.length() > 2000 ? text.substring(0, 2000) + "..." : text;
        } catch (RuntimeException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** A screenshot of the whole page (beyond the window) under target/webconsole, for people to look at. */
    private static void screenshot(String name) throws IOException {
        File file = new File(outputDir, name);
        byte[] png;
        try {
            Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                    Map.of("format", "png", "captureBeyondViewport", true));
            png = Base64.getDecoder().decode((String) shot.get("data"));
        } catch (RuntimeException e) {
            png = driver.getScreenshotAs(OutputType.BYTES);
        }
        Files.write(file.toPath(), png);
    }

    // ------------------------------------------------------------------------------ framework helpers

    private static ServiceReference<?> awaitConnectionService(String filter) throws InvalidSyntaxException {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context,
                context.createFilter("(&(objectClass=" + IOT_CONNECTION + ")" + filter + ")"), null);
        tracker.open(true);
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            while (tracker.getServiceReference() == null) {
                if (System.nanoTime() > deadline) {
                    fail("no IoTConnection service " + filter + " within " + TIMEOUT_MS + " ms; registered: "
                            + services("(connection.id=*)"));
                }
                sleep(50);
            }
            return tracker.getServiceReference();
        } finally {
            tracker.close();
        }
    }

    /** @return the connection ids of the IoTConnection services matching the filter */
    private static List<String> services(String filter) {
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(IOT_CONNECTION, filter);
            List<String> ids = new ArrayList<>();
            for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
                ids.add(String.valueOf(r.getProperty("connection.id")));
            }
            return ids;
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(filter, e);
        }
    }

    /** The single configuration matching the filter, from ConfigAdmin (reached through its own API classes). */
    private static Object configuration(String filter) throws Exception {
        ServiceReference<?> ref = configurationAdminReference();
        Object admin = context.getService(ref);
        try {
            Class<?> api = ref.getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
            Object[] found = (Object[]) call(api, admin, "listConfigurations", filter);
            assertNotNull("the console saved no configuration " + filter, found);
            assertEquals("configurations " + filter, 1, found.length);
            return found[0];
        } finally {
            context.ungetService(ref);
        }
    }

    private static Dictionary<?, ?> configurationProperties(String filter) throws Exception {
        return properties(configuration(filter));
    }

    private static Dictionary<?, ?> properties(Object configuration) throws ClassNotFoundException {
        return (Dictionary<?, ?>) call(loadFromConfigAdmin("org.osgi.service.cm.Configuration"), configuration,
                "getProperties");
    }

    private static Class<?> loadFromConfigAdmin(String name) throws ClassNotFoundException {
        return configurationAdminReference().getBundle().loadClass(name);
    }

    /**
     * All references, whatever the class space: the system bundle would otherwise see only services of the
     * org.osgi.service.cm classes on the host class path, which are not the framework's.
     */
    private static ServiceReference<?> configurationAdminReference() {
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences("org.osgi.service.cm.ConfigurationAdmin", null);
            assertNotNull("no ConfigurationAdmin service", refs);
            return refs[0];
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** Calls a method of a framework object through the interface its bundle sees. */
    private static Object call(Class<?> api, Object target, String method, Object... args) {
        try {
            for (Method m : api.getMethods()) {
                if (m.getName().equals(method) && m.getParameterCount() == args.length) {
                    return m.invoke(target, args);
                }
            }
            throw new AssertionError(api.getName() + " has no method " + method + "/" + args.length);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        } catch (InvocationTargetException e) {
            throw new AssertionError(api.getName() + "." + method + " failed", e.getCause());
        }
    }

    // ------------------------------------------------------------------------------ misc

    private static void requireExecutable(String path, String debianPackage) {
        File file = new File(path);
        if (!file.isFile() || !file.canExecute()) {
            fail(path + " is missing: WebConsoleIT drives Debian's headless chromium through chromedriver. Install "
                    + "the Debian packages chromium and chromium-driver (apt-get install chromium chromium-driver; "
                    + ".ci/run does this); '" + debianPackage + "' provides " + path + ".");
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on 127.0.0.1", e);
        }
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static void await(String what, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + TIMEOUT_MS + " ms waiting for " + what + ": " + detail.get());
            }
            sleep(50);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>();
            paths.forEach(all::add);
            Collections.sort(all, Comparator.reverseOrder());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }
}
