package io.graphmailer.format.jobs;

import io.graphmailer.format.jobs.JobDefinitionReader.InvalidJobsException;
import io.graphmailer.domain.job.DataSource;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.PastDuePolicy;
import io.graphmailer.domain.job.Recipients;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobDefinitionReaderTest {
    private final JobDefinitionReader reader = new JobDefinitionReader();

    @Test
    void givenTheShippedExampleYaml_thenItReads() throws Exception {
        String yaml = new String(getClass().getClassLoader().getResourceAsStream("jobs/example-jobs.yaml").readAllBytes(), StandardCharsets.UTF_8);
        List<JobDefinition> jobs = reader.read(yaml, "example-jobs.yaml");
        assertThat(jobs).singleElement().satisfies(job -> {
            assertThat(job.id()).isEqualTo("team-digest");
            assertThat(job.timeZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
            assertThat(job.attachments()).hasSize(1);
            assertThat(((Recipients.Static) job.recipients()).bcc().get(0).name()).isEqualTo("Audit");
        });
    }

    @Test
    void givenAPerRowJobInJson_thenDefaultsApply() {
        List<JobDefinition> jobs = reader.read("""
                [{"id":"daily","schedule":"0 0 9 * * *","mailbox":"noreply@contoso.example",
                  "dataSource":{"url":"https://feed.contoso.example/people","auth":"managed-identity","scope":"api://feed/.default"},
                  "subject":"Hi","text":"Hello"}]""", "GRAPH_MAILER_JOBS_JSON");
        JobDefinition job = jobs.get(0);
        assertThat(job.timeZone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(job.pastDue()).isEqualTo(PastDuePolicy.CATCH_UP);
        assertThat(job.enabled()).isTrue();
        DataSource source = ((Recipients.PerRow) job.recipients()).source();
        assertThat(source.auth()).isEqualTo(DataSource.Auth.MANAGED_IDENTITY);
        assertThat(source.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(source.addressField()).isEqualTo("email");
    }

    @Test
    void givenSeveralBadJobs_thenEveryProblemIsListedNamingJobAndField() {
        String json = """
                {"jobs":[
                 {"id":"five-fields","schedule":"0 9 * * *","mailbox":"noreply@contoso.example","recipients":{"to":["a@b.example"]},"subject":"s","text":"t"},
                 {"id":"bad-zone","schedule":"0 0 9 * * *","timeZone":"Mars/Olympus","mailbox":"noreply@contoso.example","recipients":{"to":["a@b.example"]},"subject":"s","text":"t"},
                 {"id":"plain-http","schedule":"0 0 9 * * *","mailbox":"noreply@contoso.example","dataSource":{"url":"http://feed.example/x"},"subject":"s","text":"t"},
                 {"id":"no-body","schedule":"0 0 9 * * *","mailbox":"noreply@contoso.example","recipients":{"to":["a@b.example"]},"subject":"s"},
                 {"id":"typo","schedule":"0 0 9 * * *","mailbox":"noreply@contoso.example","recipients":{"to":["a@b.example"]},"subjct":"s","text":"t"},
                 {"id":"bad-address","schedule":"0 0 9 * * *","mailbox":"noreply@contoso.example","recipients":{"to":["a@b.example","nope"]},"subject":"s","text":"t"},
                 {"id":"both","schedule":"0 0 9 * * *","mailbox":"noreply@contoso.example","recipients":{"to":["a@b.example"]},"dataSource":{"url":"https://x.example"},"subject":"s","text":"t"},
                 {"id":"policy","schedule":"0 0 9 * * *","mailbox":"noreply@contoso.example","recipients":{"to":["a@b.example"]},"subject":"s","text":"t","pastDue":"later"},
                 {"id":"mi-no-scope","schedule":"0 0 9 * * *","mailbox":"noreply@contoso.example","dataSource":{"url":"https://x.example","auth":"managed-identity"},"subject":"s","text":"t"}
                ]}""";
        assertThatThrownBy(() -> reader.read(json, "jobs.json"))
                .isInstanceOf(InvalidJobsException.class)
                .satisfies(e -> assertThat(((InvalidJobsException) e).problems()).containsExactly(
                        "job 'five-fields': schedule '0 9 * * *' has 5 field(s); the Functions timer's NCRONTAB form has six, seconds first:"
                                + " {second} {minute} {hour} {day} {month} {day-of-week}, e.g. '0 30 9 * * MON-FRI'",
                        "job 'bad-zone': timeZone 'Mars/Olympus' is not a time zone id such as Europe/Berlin or UTC",
                        "job 'plain-http': dataSource.url must be an https URL",
                        "job 'no-body': html or text is required: the message body template",
                        "job 'typo': subjct is not a job setting (known: attachments, dataSource, description, enabled, html, id, mailbox,"
                                + " pastDue, recipients, saveToSentItems, schedule, subject, text, timeZone)",
                        "job 'bad-address': recipients.to[1] is not a valid address (a string, or {address, name})",
                        "job 'both': recipients or dataSource is required, and not both: a static list, or one message per data-source row",
                        "job 'policy': pastDue must be catch-up or skip",
                        "job 'mi-no-scope': dataSource.scope is required with auth managed-identity, e.g. api://my-feed/.default"));
    }

    @Test
    void givenDuplicateIdsOrMalformedYaml_thenRefused() {
        String job = "{\"id\":\"x\",\"schedule\":\"0 0 9 * * *\",\"mailbox\":\"noreply@contoso.example\",\"recipients\":{\"to\":[\"a@b.example\"]},\"subject\":\"s\",\"text\":\"t\"}";
        assertThatThrownBy(() -> reader.read("[" + job + "," + job + "]", "jobs.json")).hasMessageContaining("job 'x': id is used by more than one job");
        assertThatThrownBy(() -> reader.read("jobs: [\n  - id: x\n   bad", "jobs.yaml")).hasMessageContaining("not valid YAML");
    }
}
