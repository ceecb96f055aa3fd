// Reads every entry of a ZIP archive with ZipInputStream and ZipFile, the way
// Java programs do, and prints "entries=N". Exits 1 on any error.
import java.io.FileInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

public class ZipRead {
    public static void main(String[] args) throws Exception {
        int streamed = 0;
        try (ZipInputStream in = new ZipInputStream(new FileInputStream(args[0]))) {
            byte[] chunk = new byte[8192];
            for (ZipEntry e; (e = in.getNextEntry()) != null; streamed++) {
                long n = 0;
                for (int got; (got = in.read(chunk)) > 0; n += got) { }
                if (e.getSize() != -1 && e.getSize() != n) {
                    System.out.println("size mismatch in " + e.getName());
                    System.exit(1);
                }
            }
        }
        try (ZipFile zip = new ZipFile(args[0])) {
            if (zip.size() != streamed) {
                System.out.println("ZipFile sees " + zip.size() + " entries, ZipInputStream " + streamed);
                System.exit(1);
            }
        }
        System.out.println("entries=" + streamed);
    }
}
