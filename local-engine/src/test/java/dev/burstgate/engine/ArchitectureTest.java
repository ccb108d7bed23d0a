package dev.burstgate.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The engine's house rules: a staircase of packages, no Spring, no gateway, and the native binding in one class. */
class ArchitectureTest {

    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.burstgate.engine");

    @Test
    void noTwoPackagesImportEachOtherEvenThroughOthers() {
        slices().matching("dev.burstgate.(**)").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void importsNeitherSpringNorTheGatewayNorThePolicies() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "dev.burstgate.gateway..", "dev.burstgate.policies..")
                .check(CLASSES);
    }

    @Test
    void onlyNativeModelTouchesTheLlamaCppBinding() {
        noClasses()
                .that()
                .haveNameNotMatching("dev\\.burstgate\\.engine\\.NativeModel(\\$.*)?")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("de.kherud.llama..")
                .check(CLASSES);
    }
}
