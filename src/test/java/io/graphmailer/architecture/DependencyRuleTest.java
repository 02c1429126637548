package io.graphmailer.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Keeps the hexagon (docs/architecture.md draws it): the domain and the use cases know no framework, SDK or adapter;
 * the shared formats know only the domain and JSON/MIME libraries; adapters of one side never call the other side's;
 * only the wiring knows every adapter; the settings know no adapter.
 */
class DependencyRuleTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.graphmailer");

    @Test
    void givenDomain_thenItDependsOnlyOnTheJdk() {
        classes().that().resideInAPackage("io.graphmailer.domain..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.graphmailer.domain..", "java..")
                .check(CLASSES);
    }

    @Test
    void givenApplication_thenItDependsOnlyOnTheDomainAndItsPorts() {
        classes().that().resideInAPackage("io.graphmailer.application..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.graphmailer.application..", "io.graphmailer.domain..", "java..")
                .check(CLASSES);
    }

    @Test
    void givenSharedFormats_thenTheyDependOnlyOnTheDomainAndJsonOrMimeLibraries() {
        classes().that().resideInAPackage("io.graphmailer.format..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.graphmailer.format..", "io.graphmailer.domain..",
                        "java..", "com.fasterxml.jackson..", "jakarta.mail..")
                .check(CLASSES);
    }

    @Test
    void givenInboundAdapters_thenTheyNeverCallOutboundAdapters() {
        noClasses().that().resideInAPackage("io.graphmailer.adapter.in..")
                .should().dependOnClassesThat().resideInAPackage("io.graphmailer.adapter.out..")
                .check(CLASSES);
    }

    @Test
    void givenOutboundAdapters_thenTheyNeverCallInboundAdapters() {
        noClasses().that().resideInAPackage("io.graphmailer.adapter.out..")
                .should().dependOnClassesThat().resideInAPackage("io.graphmailer.adapter.in..")
                .check(CLASSES);
    }

    /** HTTP resources, Functions host invocations, the command line and the dev scheduler each stand alone. */
    @Test
    void givenTriggersOfOneKind_thenTheyNeverCallAnotherKind() {
        slices().matching("io.graphmailer.adapter.in.(*)..").should().notDependOnEachOther().check(CLASSES);
    }

    @Test
    void givenAnythingButTheWiring_thenNothingDependsOnTheWiring() {
        noClasses().that().resideOutsideOfPackage("io.graphmailer.wiring..")
                .should().dependOnClassesThat().resideInAPackage("io.graphmailer.wiring..")
                .check(CLASSES);
    }

    @Test
    void givenSettings_thenTheyKnowNoAdapter() {
        noClasses().that().resideInAPackage("io.graphmailer.config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.graphmailer.adapter..", "io.graphmailer.format..")
                .check(CLASSES);
    }

    @Test
    void givenStorageAdapters_thenTheyTakeTheirClientsAndCredentialFromAzureClients() {
        noClasses().that().resideInAPackage("io.graphmailer.adapter.out.storage..")
                .should().dependOnClassesThat().resideInAPackage("com.azure.identity..")
                .orShould().dependOnClassesThat().haveSimpleNameEndingWith("ClientBuilder")
                .check(CLASSES);
    }

    @Test
    void givenDomainAndApplication_thenNoMicrosoftAzureAwsOrQuarkusTypes() {
        noClasses().that().resideInAnyPackage("io.graphmailer.domain..", "io.graphmailer.application..")
                .should().dependOnClassesThat().resideInAnyPackage("com.microsoft..", "com.azure..", "software.amazon..",
                        "io.quarkus..", "jakarta..", "io.vertx..", "com.fasterxml..")
                .check(CLASSES);
    }

    /** Mail reaches a transport only through the MailTransport port; only the wiring names one. */
    @Test
    void givenTheTransportAdapters_thenOnlyTheWiringReachesThem() {
        classes().that().resideInAnyPackage("io.graphmailer.adapter.out.smtp..", "io.graphmailer.adapter.out.outbox..",
                        "io.graphmailer.adapter.out.routing..")
                .should().onlyBeAccessed().byClassesThat().resideInAnyPackage("io.graphmailer.adapter.out.smtp..",
                        "io.graphmailer.adapter.out.outbox..", "io.graphmailer.adapter.out.routing..", "io.graphmailer.wiring..")
                .check(CLASSES);
    }

    /** The decision which mailboxes send by SMTP is SmtpMailboxes': no settings class or adapter reads the list itself. */
    @Test
    void givenTheSmtpMailboxSetting_thenOnlyTheWiringAndTheSettingsCheckReadIt() {
        noClasses().that().resideOutsideOfPackages("io.graphmailer.wiring..", "io.graphmailer.config..")
                .should().callMethod(io.graphmailer.config.GraphMailerConfig.Smtp.class, "mailboxes")
                .check(CLASSES);
    }

    @Test
    void givenGraph_thenOnlyTheGraphAdapterSpeaksItAndOnlyItsOneClientHoldsTheHttpClient() {
        noClasses().that().resideOutsideOfPackage("io.graphmailer.adapter.out.graph..")
                .should().dependOnClassesThat().resideInAnyPackage("okhttp3..", "com.microsoft.graph..", "com.microsoft.kiota..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("io.graphmailer.adapter.out.graph..")
                .and().doNotHaveSimpleName("GraphClient").and().doNotHaveSimpleName("GraphHttp")
                .should().dependOnClassesThat().haveFullyQualifiedName("okhttp3.OkHttpClient")
                .check(CLASSES);
    }

    @Test
    void givenAzureCredentials_thenOnlyAzureClientsBuildsOne() {
        noClasses().that().resideOutsideOfPackage("io.graphmailer.adapter.out.azure..")
                .should().dependOnClassesThat().resideInAPackage("com.azure.identity..")
                .check(CLASSES);
    }
}
