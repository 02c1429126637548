package io.graphmailer.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The native CI workflow cannot run here (no GraalVM or Mandrel): this checks that .github/workflows/native.yml is
 * valid YAML of the shape GitHub Actions reads and that it builds the native package and runs the packaged-artifact
 * test against it, with Mandrel for JDK 21+ on a hosted runner and every action pinned to a version.
 */
class NativeWorkflowTest {
    private static final Path WORKFLOW = Path.of(".github", "workflows", "native.yml");

    private static JsonNode workflow() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(WORKFLOW.toFile());
    }

    @Test
    void givenTheNativeWorkflow_thenItRunsOnAHostedRunnerOnPushPullRequestAndByHand() throws IOException {
        JsonNode wf = workflow();
        assertThat(wf.path("on").has("push")).isTrue();
        assertThat(wf.path("on").has("pull_request")).isTrue();
        assertThat(wf.path("on").has("workflow_dispatch")).isTrue();
        assertThat(wf.path("permissions").path("contents").asText()).isEqualTo("read");
        assertThat(wf.path("jobs").size()).isEqualTo(1);
        JsonNode job = wf.path("jobs").elements().next();
        assertThat(job.path("runs-on").asText()).isEqualTo("ubuntu-latest");
        assertThat(job.path("timeout-minutes").asInt()).isPositive();
    }

    @Test
    void givenTheNativeWorkflow_thenMandrelForJdk21OrLaterIsSetUpAndEveryActionIsPinned() throws IOException {
        JsonNode steps = workflow().path("jobs").elements().next().path("steps");
        JsonNode graal = null;
        for (JsonNode step : steps) {
            if (step.has("uses")) {
                assertThat(step.path("uses").asText()).as("pinned to a version").matches("[\\w.-]+/[\\w.-]+@v\\d+(\\.\\d+)*");
                if (step.path("uses").asText().startsWith("graalvm/setup-graalvm@")) {
                    graal = step;
                }
            }
        }
        assertThat(graal).as("a graalvm/setup-graalvm step").isNotNull();
        assertThat(graal.path("with").path("distribution").asText()).isEqualTo("mandrel");
        assertThat(Integer.parseInt(graal.path("with").path("java-version").asText().split("\\.")[0])).isGreaterThanOrEqualTo(21);
    }

    @Test
    void givenTheNativeWorkflow_thenItBuildsTheNativePackageAndRunsThePackagedArtifactTestAgainstIt() throws IOException {
        List<String> runs = new ArrayList<>();
        for (JsonNode step : workflow().path("jobs").elements().next().path("steps")) {
            if (step.has("run")) {
                runs.add(step.path("run").asText().replaceAll("\\s+", " ").trim());
            }
        }
        // package is part of verify: one build of the image, then the IT on its zip
        assertThat(runs).anySatisfy(run -> assertThat(run).startsWith("./mvnw -B verify -Dnative ")
                .contains("-Dit.test=FunctionAppPackageIT").doesNotContain("-DskipITs").doesNotContain("-DskipTests"));
    }
}
