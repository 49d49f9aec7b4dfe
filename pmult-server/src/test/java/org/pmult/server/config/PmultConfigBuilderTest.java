package org.pmult.server.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The builder knows no syntax: it reports every problem at the location and name a reader gave the setting. */
class PmultConfigBuilderTest {

    private static final ConfigLocation FILE = ConfigLocation.of("some.conf");

    private static ConfigSettings settings() {
        return new ConfigSettings(FILE, new Located<>("defaults", new ConfigLocation("some.conf", 2), "the defaults"));
    }

    private static <T> Optional<Located<T>> at(int line, String setting, T value) {
        return Optional.of(new Located<>(value, new ConfigLocation("some.conf", line), setting));
    }

    private static ConfigException failure(ConfigSettings settings) {
        return assertThrows(ConfigException.class, () -> PmultConfigBuilder.build(settings, Optional.empty(), ConfigFormat.BUILTIN));
    }

    @Test
    void buildsTheDefaultsFromNoSettings() {
        PmultConfig config = PmultConfigBuilder.build(settings(), Optional.empty(), ConfigFormat.BUILTIN).config();
        assertEquals(ConfigLoader.builtinDefaults(), config);
    }

    @Test
    void reportsARecordsRefusalAtTheSettingThatGaveTheField() {
        ConfigSettings settings = settings();
        settings.maxSessionsPerConnection = at(7, "sessions per connection", 10);
        settings.advertisedMaxSessions = at(9, "advertised sessions", 20);
        assertEquals("some.conf:9: advertised sessions: 20 (expected: 1..10)", failure(settings).getMessage());
    }

    @Test
    void aClientInheritsWhatItDoesNotSetAndErrorsNameWhereTheValueCameFrom() {
        ConfigSettings settings = settings();
        settings.clientDefaults.readTimeout = at(3, "defaults read", Duration.ofSeconds(30));
        ClientSettings client = new ClientSettings(new Located<>("mfd", new ConfigLocation("some.conf", 5), "the mfd client"));
        client.urls = Optional.of(List.of(at(6, "its url", "/run/mfd.sock").orElseThrow()));
        settings.clients.add(client);
        assertEquals(Duration.ofSeconds(30), PmultConfigBuilder.build(settings, Optional.empty(), ConfigFormat.BUILTIN)
                .config().clients().get(0).timeouts().read());

        settings.clientDefaults.eomTimeout = at(4, "defaults eom", Duration.ofDays(2));
        assertEquals("some.conf:4: defaults eom: 2 days (expected: > 0 and <= 1 day)", failure(settings).getMessage());
    }

    @Test
    void aBuiltInDefaultClashingWithASettingIsReportedAtTheSetting() {
        ConfigSettings settings = settings();
        ClientSettings client = new ClientSettings(new Located<>("mfd", new ConfigLocation("some.conf", 5), "the mfd client"));
        client.urls = Optional.of(List.of(at(6, "its url", "/run/mfd.sock").orElseThrow()));
        client.maxIdleConnections = at(7, "its max idle", 0);
        settings.clients.add(client);
        assertEquals("some.conf:7: its max idle: 0 (expected: at least the spare connections per event loop, 1)",
                failure(settings).getMessage());
    }
}
