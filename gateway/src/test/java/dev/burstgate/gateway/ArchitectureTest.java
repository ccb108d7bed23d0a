package dev.burstgate.gateway;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The gateway's house rules: its packages form a staircase (no two import each other, even through others), so each
 * feature can be read, tested and changed on its own. The libraries' own rules are in their modules.
 */
class ArchitectureTest {

    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.burstgate.gateway");

    @Test
    void noTwoPackagesImportEachOtherEvenThroughOthers() {
        slices().matching("dev.burstgate.(**)").should().beFreeOfCycles().check(CLASSES);
    }
}
