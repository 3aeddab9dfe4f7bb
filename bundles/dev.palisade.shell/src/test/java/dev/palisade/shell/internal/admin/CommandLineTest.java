package dev.palisade.shell.internal.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static final Set<String> FUNCTIONS = Set.of("status", "identity");

    @Test
    void quotesEveryArgumentSoGogoTakesItLiterally() {
        assertEquals("palisade:identity 'show' '--alias' 'gw; rm -rf $HOME'",
                CommandLine.build(List.of("identity", "show", "--alias", "gw; rm -rf $HOME"), FUNCTIONS));
    }

    @Test
    void aCommandWithoutArgumentsIsJustItsScopedName() {
        assertEquals("palisade:status", CommandLine.build(List.of("status"), FUNCTIONS));
    }

    @Test
    void refusesAnUnknownCommandAndNamesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.build(List.of("reboot"), FUNCTIONS));
        assertEquals("unknown command 'reboot'; the gateway offers: identity, status", e.getMessage());
    }

    @Test
    void refusesCommandNamesThatCarryGogoSyntax() {
        for (String name : List.of("status;lb", "palisade:status", "Status", "$x", "status lb", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CommandLine.build(List.of(name), FUNCTIONS), name);
            assertTrue(e.getMessage().endsWith("is not a command name"), e.getMessage());
        }
    }

    @Test
    void refusesArgumentsWithQuotesOrControlCharacters() {
        for (String argument : List.of("it's", "a\u0000b", "tab\there", "bell\u0007")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CommandLine.build(List.of("status", argument), FUNCTIONS), argument);
            assertTrue(e.getMessage().contains("contains a quote or control character"), e.getMessage());
        }
    }
}
