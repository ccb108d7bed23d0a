package dev.burstgate.policies;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The library's house rules: a staircase of packages, and no Spring, no gateway, no engine. */
class ArchitectureTest {

    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.burstgate.policies");

    @Test
    void noTwoPackagesImportEachOtherEvenThroughOthers() {
        slices().matching("dev.burstgate.(**)").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void importsNeitherSpringNorTheGatewayNorTheEngine() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "dev.burstgate.gateway..", "dev.burstgate.engine..")
                .check(CLASSES);
    }
}
