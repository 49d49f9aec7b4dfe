package org.pmult.server.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Remembers which located setting gave each field of a configuration record being built, so that
 * when the record's constructor refuses a field ({@link InvalidFieldException}) the error names that
 * setting's file, line and name. A field that came from a built-in default is reported at the
 * setting it clashes with, if any, else at the owner: the client block, or the file. The names
 * are the settings' as their file spells them ({@link Located#setting()}), never the record's.
 */
final class FieldSources {

    private final ConfigLocation ownerLocation;
    private final String ownerSetting;
    private final Map<String, Located<?>> byField = new HashMap<>();

    /**
     * @param ownerLocation where errors about unlocated fields are reported
     * @param ownerSetting  how those errors name the owner ({@code client "mfd"}, {@code limits}), or ""
     */
    FieldSources(ConfigLocation ownerLocation, String ownerSetting) {
        this.ownerLocation = ownerLocation;
        this.ownerSetting = ownerSetting;
    }

    /** The field's value: the setting's if given (remembered as the field's source), else {@code fallback}. */
    <T> T take(String field, Optional<Located<T>> given, T fallback) {
        if (given.isEmpty()) {
            return fallback;
        }
        byField.put(field, given.get());
        return given.get().value();
    }

    /** Remembers {@code source} as where {@code field} came from. */
    void remember(String field, Located<?> source) {
        byField.put(field, source);
    }

    /** Runs a validating record constructor, reporting a refused field at the setting that gave it. */
    <T> T build(Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (InvalidFieldException e) {
            Located<?> source = byField.get(e.field());
            // a built-in default clashing with a setting: the setting is what the administrator can change
            Located<?> clashing = e.clashingField().map(byField::get)
                    .filter(setting -> !setting.location().builtIn()).orElse(null);
            if (source != null && !(source.location().builtIn() && clashing != null)) {
                throw source.error(e.problem());
            }
            if (clashing != null) {
                throw clashing.error(e.clashingProblem());
            }
            throw ownerError(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ownerError(e.getMessage());
        }
    }

    private ConfigException ownerError(String problem) {
        return new ConfigException(ownerLocation.toString(), ownerSetting.isEmpty() ? problem : ownerSetting + ": " + problem);
    }
}
