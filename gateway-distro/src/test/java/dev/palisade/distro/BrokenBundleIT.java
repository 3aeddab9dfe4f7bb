package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.streamBundle;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.tinybundles.TinyBundles;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * The distribution plus two broken bundles, to prove that the checks of {@link DistroIT} fail
 * when a shipped bundle cannot resolve or a component cannot be satisfied, and that
 * {@code palisade:status} tells the field engineer which bundle and why.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BrokenBundleIT {

    static final String UNRESOLVABLE = "dev.palisade.test.unresolvable";
    static final String MISSING_PACKAGE = "dev.palisade.test.nowhere";
    static final String UNSATISFIED = "dev.palisade.test.unsatisfied";
    static final String MISSING_SERVICE = "dev.palisade.test.MissingService";

    @Inject
    private BundleContext context;

    @Inject
    private ServiceComponentRuntime scr;

    @Inject
    private CommandProcessor commands;

    @Configuration
    public Option[] configuration() {
        return options(
                DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-broken-it")),
                streamBundle(TinyBundles.bundle()
                        .setHeader(Constants.BUNDLE_MANIFESTVERSION, "2")
                        .setHeader(Constants.BUNDLE_SYMBOLICNAME, UNRESOLVABLE)
                        .setHeader(Constants.BUNDLE_VERSION, "1.0.0")
                        .setHeader(Constants.IMPORT_PACKAGE, MISSING_PACKAGE + ";version=\"[1.0,2)\"")
                        .build(TinyBundles.rawBuilder())).startLevel(2),
                streamBundle(TinyBundles.bundle()
                        .setHeader(Constants.BUNDLE_MANIFESTVERSION, "2")
                        .setHeader(Constants.BUNDLE_SYMBOLICNAME, UNSATISFIED)
                        .setHeader(Constants.BUNDLE_VERSION, "1.0.0")
                        .setHeader("Service-Component", "OSGI-INF/unsatisfied.xml")
                        .addResource("OSGI-INF/unsatisfied.xml", new ByteArrayInputStream(componentXml()))
                        .build(TinyBundles.rawBuilder())).startLevel(2));
    }

    private static byte[] componentXml() {
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.4.0\" name=\"" + UNSATISFIED
                + ".Component\" immediate=\"true\">\n"
                + "  <implementation class=\"" + UNSATISFIED + ".Component\"/>\n"
                + "  <reference name=\"needed\" interface=\"" + MISSING_SERVICE + "\"/>\n"
                + "</scr:component>\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    public void bundleCheckNamesTheUnresolvableBundle() {
        List<String> problems = GatewayChecks.bundleProblems(context);
        assertEquals(problems.toString(), 1, problems.size());
        assertTrue(problems.toString(), problems.get(0).startsWith(UNRESOLVABLE + " is in state"));
    }

    @Test
    public void componentCheckNamesTheUnsatisfiedComponent() {
        List<String> problems = GatewayChecks.componentProblems(scr);
        assertEquals(List.of(UNSATISFIED + ".Component is in DS state 2 (missing needed)"), problems);
    }

    @Test
    public void statusTellsWhichBundleAndWhy() throws Exception {
        String status = GatewayChecks.execute(commands, "palisade:status");
        assertTrue(status, status.startsWith("Palisade " + context.getProperty("palisade.version") + ": DOWN"));
        assertTrue(status, status.contains(UNRESOLVABLE + " 1.0.0: INSTALLED"));
        assertTrue(status, status.contains("missing osgi.wiring.package (&(osgi.wiring.package=" + MISSING_PACKAGE + ")"));
        assertTrue(status, status.contains(UNSATISFIED + ".Component (" + UNSATISFIED + "): unsatisfied reference"));
        assertTrue(status, status.contains("missing service " + MISSING_SERVICE + " (reference 'needed')"));
    }
}
