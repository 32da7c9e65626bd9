// Package mjpeg splits a stream of back-to-back JPEG images, as written by
// ffmpeg's mjpeg muxer, IP cameras and many capture tools, into frames.
//
// # How frames are found
//
// The [Splitter] parses JPEG markers instead of searching for byte
// patterns, because the patterns occur inside valid images: an EXIF
// thumbnail in an APP1 segment is a complete JPEG of its own, and entropy-
// coded data may contain any byte after an 0xFF. A frame is:
//
//   - SOI (FF D8);
//   - marker segments, each skipped by its 16-bit length, so nothing inside
//     an APPn, COM or table segment can end or start a frame;
//   - after SOS, entropy-coded data in which FF 00 is a stuffed byte and
//     FF D0..FF D7 are restart markers; any other marker ends the scan, so
//     progressive images with several scans work too;
//   - EOI (FF D9).
//
// Bytes outside frames (noise before the first SOI or between frames) are
// skipped and counted. A frame cut off by the end of the stream, by a read
// error or by the SOI of another frame is counted as truncated and never
// returned. A frame whose marker structure breaks is counted as invalid and
// the search for the next SOI resumes just after its start. The outcome
// never depends on how the input is cut into reads.
//
// The splitter checks structure, not content: a frame it returns may still
// fail to decode (for example if the image data itself was corrupted).
//
// # Memory
//
// The splitter holds at most one frame plus one read's worth of input: a
// frame larger than the limit given to [NewSplitter] is parsed to its end
// but its bytes are discarded as they arrive, and it is counted as
// oversized.
package mjpeg
