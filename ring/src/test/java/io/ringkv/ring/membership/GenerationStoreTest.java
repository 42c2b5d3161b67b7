package io.ringkv.ring.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationStoreTest {
    @TempDir
    Path dir;

    @Test
    void inMemoryGenerationsStrictlyIncreaseEvenWhenTheClockGoesBack() {
        InMemoryGenerationStore store = new InMemoryGenerationStore();
        assertEquals(1000, store.next(1000));
        assertEquals(1001, store.next(900));
        assertEquals(1002, store.next(1002));
        assertEquals(5000, store.next(5000));
    }

    @Test
    void theFileStoreSurvivesANewObjectAndAClockThatWentBack() throws Exception {
        assertEquals(1000, new FileGenerationStore(dir).next(1000));
        assertEquals(1001, new FileGenerationStore(dir).next(500), "a restart with the clock set back");
        assertEquals(2000, new FileGenerationStore(dir).next(2000));
        assertEquals("2000", Files.readString(dir.resolve(FileGenerationStore.FILE_NAME)).trim());
        assertFalse(Files.exists(dir.resolve(FileGenerationStore.FILE_NAME + ".tmp")), "the temporary file was renamed away");
    }

    @Test
    void theFileStoreCreatesItsDirectory() {
        assertEquals(7, new FileGenerationStore(dir.resolve("a/b")).next(7));
    }

    @Test
    void aCorruptFileIsAnErrorNotAFreshStart() throws Exception {
        Files.writeString(dir.resolve(FileGenerationStore.FILE_NAME), "garbage");
        assertThrows(UncheckedIOException.class, () -> new FileGenerationStore(dir).next(1000));
        Files.writeString(dir.resolve(FileGenerationStore.FILE_NAME), "9".repeat(100));
        assertThrows(UncheckedIOException.class, () -> new FileGenerationStore(dir).next(1000));
    }

    @Test
    void aLeftoverTemporaryFileFromACrashIsHarmless() throws Exception {
        new FileGenerationStore(dir).next(1000);
        Files.writeString(dir.resolve(FileGenerationStore.FILE_NAME + ".tmp"), "12");
        assertEquals(1001, new FileGenerationStore(dir).next(10));
    }
}
