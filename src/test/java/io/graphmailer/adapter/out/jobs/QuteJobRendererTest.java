package io.graphmailer.adapter.out.jobs;

import io.graphmailer.application.port.out.JobMessageRenderer.RenderException;
import io.graphmailer.application.port.out.JobMessageRenderer.Rendered;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.JobDefinitionException;
import io.graphmailer.domain.job.JobTemplates;
import io.graphmailer.domain.job.NcrontabSchedule;
import io.graphmailer.domain.job.Occurrence;
import io.graphmailer.domain.job.PastDuePolicy;
import io.graphmailer.domain.job.Recipients;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuteJobRendererTest {
    private final QuteJobRenderer renderer = new QuteJobRenderer();
    private static final Occurrence MONDAY = new Occurrence("digest", Instant.parse("2025-01-06T08:00:00Z"));

    private static JobDefinition job(String subject, String html, String text) {
        return new JobDefinition("digest", NcrontabSchedule.parse("0 0 9 * * MON"), ZoneId.of("Europe/Berlin"), new Mailbox("noreply@contoso.example"),
                new Recipients.Static(List.of(new EmailAddress("team@contoso.example", null)), List.of(), List.of()),
                new JobTemplates(subject, html, text), List.of(), PastDuePolicy.CATCH_UP, true, true);
    }

    @Test
    void givenHostileRowData_thenTheHtmlBodyEscapesItAndTheTextBodyKeepsIt() {
        JobDefinition job = job("Hello {row.name}", "<p>Hello {row.name}, see {row.link}</p>", "Hello {row.name}");
        Map<String, Object> row = Map.of("name", "<script>alert('x')</script> & \"Bob\"", "link", "<a href=\"https://evil.example\">x</a>");

        Rendered r = renderer.render(job, MONDAY, row, "bob@fabrikam.example", "Bob");

        assertThat(r.html()).isEqualTo("<p>Hello &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Bob&quot;, see "
                + "&lt;a href=&quot;https://evil.example&quot;&gt;x&lt;/a&gt;</p>");
        assertThat(r.html()).doesNotContain("<script>", "<a href");
        assertThat(r.text()).isEqualTo("Hello <script>alert('x')</script> & \"Bob\"");
        assertThat(r.subject()).isEqualTo("Hello <script>alert('x')</script> & \"Bob\"");
    }

    @Test
    void givenASubjectValueWithCrLf_thenTheRenderedSubjectKeepsItForTheServiceToRefuse() {
        Rendered r = renderer.render(job("Report {row.team}", null, "x"), MONDAY, Map.of("team", "A\r\nBcc: all@contoso.example"), "a@b.example", null);
        assertThat(r.subject()).contains("\r\n");
    }

    @Test
    void givenOccurrenceAndRecipient_thenTheyAreInTheJobsTimeZone() {
        Rendered r = renderer.render(job("Digest {occurrence.date} {occurrence.time} {occurrence.dayOfWeek}",
                "<p>{recipient.name} &lt;{recipient.address}&gt; {job.id} {occurrence.timeZone} {occurrence.utc}</p>", null),
                MONDAY, Map.of(), "team@contoso.example", "Team");
        assertThat(r.subject()).isEqualTo("Digest 2025-01-06 09:00 Monday");
        assertThat(r.html()).isEqualTo("<p>Team &lt;team@contoso.example&gt; digest Europe/Berlin 2025-01-06T08:00:00Z</p>");
        assertThat(r.text()).isNull();
    }

    @Test
    void givenNestedRowDataAndSections_thenTheyRender() {
        Rendered r = renderer.render(job("{row.items.size} open", "<ul>{#for item in row.items}<li>{item.title}</li>{/for}</ul>", null),
                MONDAY, Map.of("items", List.of(Map.of("title", "A<1>"), Map.of("title", "B"))), "a@b.example", null);
        assertThat(r.subject()).isEqualTo("2 open");
        assertThat(r.html()).isEqualTo("<ul><li>A&lt;1&gt;</li><li>B</li></ul>");
    }

    @Test
    void givenARowWithoutAPropertyTheTemplateUses_thenRenderingFailsNamingTheTemplate() {
        JobDefinition job = job("Hello", "<p>{row.missing}</p>", null);
        assertThatThrownBy(() -> renderer.render(job, MONDAY, Map.of("name", "private-row-value"), "a@b.example", null))
                .isInstanceOf(RenderException.class)
                .satisfies(e -> assertThat(((RenderException) e).field()).isEqualTo("html"))
                .hasMessageContaining("missing")
                .hasMessageNotContaining("private-row-value");
    }

    @Test
    void givenAnInvalidTemplate_thenPrepareNamesTheJobAndField() {
        assertThatThrownBy(() -> renderer.prepare(job("Hello", "<p>{#for x in row.items}</p>", null)))
                .isInstanceOf(JobDefinitionException.class)
                .hasMessageStartingWith("job 'digest': html is not a valid Qute template");
    }
}
