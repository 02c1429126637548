package io.graphmailer.adapter.out.jobs;

import io.graphmailer.application.port.out.JobMessageRenderer;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.JobDefinitionException;
import io.graphmailer.domain.job.Occurrence;
import io.quarkus.qute.CompletedStage;
import io.quarkus.qute.Engine;
import io.quarkus.qute.EvalContext;
import io.quarkus.qute.HtmlEscaper;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateException;
import io.quarkus.qute.ValueResolver;
import io.quarkus.qute.Variant;
import jakarta.inject.Singleton;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Job templates in Qute. The HTML body escapes every value ({@code <}, {@code &}, quotes); the subject
 * and the text body are plain text. Rendering is strict: a property the data does not have fails the
 * row (naming the template) instead of sending a message with a gap. The data model is maps only:
 * {@code row} (the data-source row), {@code recipient} ({@code address}, {@code name}), {@code job}
 * ({@code id}) and {@code occurrence} ({@code date}, {@code time}, {@code dateTime}, {@code utc},
 * {@code dayOfWeek}, {@code month}, {@code year}, {@code timeZone}) in the job's time zone.
 */
@Singleton
public final class QuteJobRenderer implements JobMessageRenderer {
    private record Compiled(Template subject, Template html, Template text) {
    }

    private final Engine engine = Engine.builder()
            .addDefaults()
            .addValueResolver(new MapKeyResolver())
            .addResultMapper(new HtmlEscaper(List.of(Variant.TEXT_HTML)))
            .strictRendering(true)
            .build();
    private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();

    @Override
    public void prepare(JobDefinition job) {
        compiled.put(job.id(), new Compiled(
                parse(job, "subject", job.templates().subject(), Variant.TEXT_PLAIN),
                parse(job, "html", job.templates().html(), Variant.TEXT_HTML),
                parse(job, "text", job.templates().text(), Variant.TEXT_PLAIN)));
    }

    private Template parse(JobDefinition job, String field, String source, String contentType) {
        if (source == null || source.isBlank()) {
            return null;
        }
        try {
            return engine.parse(source, Variant.forContentType(contentType), job.id() + "." + field);
        } catch (TemplateException e) {
            throw new JobDefinitionException(job.id(), field, "is not a valid Qute template: " + e.getMessage());
        }
    }

    @Override
    public Rendered render(JobDefinition job, Occurrence occurrence, Map<String, Object> row, String address, String name) {
        Compiled c = compiled.get(job.id());
        if (c == null) {
            prepare(job);
            c = compiled.get(job.id());
        }
        Map<String, Object> data = data(job, occurrence, row, address, name);
        return new Rendered(render(c.subject(), "subject", data), render(c.html(), "html", data), render(c.text(), "text", data));
    }

    private static String render(Template template, String field, Map<String, Object> data) {
        if (template == null) {
            return null;
        }
        try {
            var instance = template.instance();
            data.forEach(instance::data);
            return instance.render();
        } catch (TemplateException e) {
            // Qute's message names the expression and the template, never the row's values.
            throw new RenderException(field, e.getMessage());
        }
    }

    static Map<String, Object> data(JobDefinition job, Occurrence occurrence, Map<String, Object> row, String address, String name) {
        ZonedDateTime local = occurrence.local(job.timeZone());
        Map<String, Object> when = new LinkedHashMap<>();
        when.put("date", local.toLocalDate().toString());
        when.put("time", local.toLocalTime().format(DateTimeFormatter.ofPattern("HH:mm")));
        when.put("dateTime", local.toLocalDateTime().toString());
        when.put("utc", occurrence.scheduledAt().toString());
        when.put("dayOfWeek", local.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        when.put("month", local.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        when.put("year", local.getYear());
        when.put("timeZone", job.timeZone().getId());
        Map<String, Object> recipient = new HashMap<>();
        recipient.put("address", address == null ? "" : address);
        recipient.put("name", name == null ? "" : name);
        Map<String, Object> data = new HashMap<>();
        data.put("row", row == null ? Map.of() : row);
        data.put("recipient", recipient);
        data.put("job", Map.of("id", job.id()));
        data.put("occurrence", when);
        return data;
    }

    /** {@code {row.name}} reads the map's key "name"; a key the map does not have is left to strict rendering. */
    private static final class MapKeyResolver implements ValueResolver {
        @Override
        public int getPriority() {
            return io.quarkus.qute.WithPriority.DEFAULT_PRIORITY + 1;
        }

        @Override
        public boolean appliesTo(EvalContext context) {
            return context.getBase() instanceof Map<?, ?> map && context.getParams().isEmpty() && map.containsKey(context.getName());
        }

        @Override
        public CompletionStage<Object> resolve(EvalContext context) {
            Object value = ((Map<?, ?>) context.getBase()).get(context.getName());
            return CompletedStage.of(value == null ? "" : value);
        }
    }
}
