package io.graphmailer.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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
}
