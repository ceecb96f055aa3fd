// Reads every entry of a ZIP archive with ZipFile and, unless --no-stream is
// given, again with the forward-only ZipInputStream, and checks that both
// agree on names, sizes and CRC-32. Prints "entries N" and exits 0, or
// prints what differs and exits 1. Run as: java ZipRead.java FILE [--no-stream]
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

public class ZipRead {
    private static final byte[] BUFFER = new byte[1 << 16];

    /** Reads in to the end and returns {byte count, CRC-32}. */
    private static long[] drain(InputStream in) throws IOException {
        CRC32 crc = new CRC32();
        long count = 0;
        int n;
        while ((n = in.read(BUFFER)) > 0) {
            crc.update(BUFFER, 0, n);
            count += n;
        }
        return new long[] { count, crc.getValue() };
    }

    private static void fail(String message) {
        System.out.println("mismatch: " + message);
        System.exit(1);
    }

    public static void main(String[] args) throws IOException {
        boolean stream = !(args.length > 1 && args[1].equals("--no-stream"));
        Map<String, long[]> seen = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(args[0])) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                long[] read;
                try (InputStream in = zip.getInputStream(e)) {
                    read = drain(in);
                }
                if (read[0] != e.getSize() || read[1] != e.getCrc())
                    fail("ZipFile entry " + e.getName() + " read " + read[0] + " bytes, header says " + e.getSize());
                seen.put(e.getName(), read);
            }
        }
        if (stream) {
            int count = 0;
            try (ZipInputStream zin = new ZipInputStream(new BufferedInputStream(new FileInputStream(args[0])))) {
                ZipEntry e;
                while ((e = zin.getNextEntry()) != null) {
                    long[] read = drain(zin);
                    long[] expected = seen.get(e.getName());
                    if (expected == null || expected[0] != read[0] || expected[1] != read[1])
                        fail("ZipInputStream entry " + e.getName() + " differs from ZipFile");
                    if (e.getSize() != -1 && e.getSize() != read[0])
                        fail("ZipInputStream entry " + e.getName() + " size " + e.getSize() + ", read " + read[0]);
                    count++;
                }
            }
            if (count != seen.size())
                fail("ZipInputStream read " + count + " entries, ZipFile " + seen.size());
        }
        System.out.println("entries " + seen.size());
    }
}
