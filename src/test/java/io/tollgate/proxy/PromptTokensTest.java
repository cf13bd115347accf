package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.tollgate.config.CatalogModel;
import io.tollgate.config.ImageTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The prompt a hold covers counts every part a provider bills, erring high where a part cannot be measured. */
class PromptTokensTest {
  private static final CatalogModel GPT_4O = model(ImageTokens.GPT_4O, 128_000);
  private static final CatalogModel MINI = model(new ImageTokens(2833, 5667), 128_000);
  /** An image whose size is unknown: the most tiles the rule can produce. */
  private static final long GPT_4O_MAX_IMAGE = 85 + 8 * 170;
  private static final long MINI_MAX_IMAGE = 2833 + 8 * 5667;

  @Test
  void countsLegacyFunctionsAndTheFunctionACallNames() {
    JsonArray functions = new JsonArray().add(new JsonObject().put("name", "get_weather")
        .put("description", "The current weather of a city, with temperature and wind")
        .put("parameters", new JsonObject().put("type", "object")
            .put("properties", new JsonObject().put("city", new JsonObject().put("type", "string")))));
    JsonObject plain = chat("What is the weather in Paris?");
    JsonObject withFunctions = plain.copy().put("functions", functions);
    JsonObject forced = withFunctions.copy().put("function_call", new JsonObject().put("name", "get_weather"));
    JsonObject forcedTool = plain.copy().put("tool_choice", new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "get_weather")));
    JsonObject called = plain.copy();
    called.getJsonArray("messages").add(new JsonObject().put("role", "assistant").putNull("content")
        .put("function_call", new JsonObject().put("name", "get_weather").put("arguments", "{\"city\": \"Paris, France\"}")));
    JsonObject calledWithoutCall = plain.copy();
    calledWithoutCall.getJsonArray("messages").add(new JsonObject().put("role", "assistant").putNull("content"));

    assertThat(tokens(withFunctions, GPT_4O) - tokens(plain, GPT_4O)).isGreaterThanOrEqualTo(UsageReader.count(functions.encode()));
    assertThat(tokens(forced, GPT_4O)).isGreaterThan(tokens(withFunctions, GPT_4O));
    assertThat(tokens(forcedTool, GPT_4O)).isGreaterThan(tokens(plain, GPT_4O));
    assertThat(tokens(called, GPT_4O) - tokens(calledWithoutCall, GPT_4O))
        .isGreaterThanOrEqualTo(UsageReader.count("get_weather{\"city\": \"Paris, France\"}"));
  }

  @Test
  void countsTheJsonSchemaOfAResponseFormat() {
    JsonObject schema = new JsonObject().put("name", "answer").put("strict", true).put("schema", new JsonObject()
        .put("type", "object").put("properties", new JsonObject()
            .put("verdict", new JsonObject().put("type", "string").put("enum", new JsonArray().add("yes").add("no")))
            .put("reasons", new JsonObject().put("type", "array").put("items", new JsonObject().put("type", "string")))));
    JsonObject plain = chat("Is it raining?");
    JsonObject structured = plain.copy().put("response_format", new JsonObject().put("type", "json_schema").put("json_schema", schema));

    assertThat(tokens(structured, GPT_4O) - tokens(plain, GPT_4O)).isGreaterThanOrEqualTo(UsageReader.count(schema.encode()));
  }

  @Test
  void aLowDetailImageCostsTheBaseOnly() {
    assertThat(partTokens(image("https://example.com/cat.png", "low"), GPT_4O)).isEqualTo(85);
    assertThat(partTokens(image("https://example.com/cat.png", "low"), MINI)).isEqualTo(2833);
  }

  @ParameterizedTest(name = "detail={0}")
  @CsvSource({"high", "auto", "''"})
  void anImageOfUnknownSizeIsHeldAtTheMostTilesTheRuleAllows(String detail) {
    JsonObject part = image("https://example.com/cat.png", detail.isEmpty() ? null : detail);

    assertThat(partTokens(part, GPT_4O)).isEqualTo(GPT_4O_MAX_IMAGE);
    assertThat(partTokens(part, MINI)).isEqualTo(MINI_MAX_IMAGE);
  }

  @Test
  void tilesFollowTheDocumentedScalingAndNeverExceedEight() {
    assertThat(MediaTokens.tiles(1024, 1024)).isEqualTo(4);
    assertThat(MediaTokens.tiles(2048, 4096)).isEqualTo(6);
    assertThat(MediaTokens.tiles(512, 512)).isEqualTo(1);
    assertThat(MediaTokens.tiles(513, 513)).isEqualTo(4);
    assertThat(MediaTokens.tiles(2048, 768)).isEqualTo(8);
    assertThat(MediaTokens.tiles(100_000, 1)).isEqualTo(4);
    long most = 0;
    for (long w = 1; w <= 9_000; w += 37) {
      for (long h = 1; h <= 9_000; h += 41) {
        long tiles = MediaTokens.tiles(w, h);
        assertThat(tiles).as("%dx%d", w, h).isBetween(1L, (long) MediaTokens.MAX_TILES);
        most = Math.max(most, tiles);
      }
    }
    assertThat(most).isEqualTo(MediaTokens.MAX_TILES).isEqualTo(8);
  }

  @Test
  void readsTheSizeOfPngJpegAndGifDataUrls() throws IOException {
    assertThat(partTokens(image(dataUrl("png", 1024, 1024), "high"), GPT_4O)).isEqualTo(85 + 4 * 170);
    assertThat(partTokens(image(dataUrl("jpeg", 1500, 700), null), GPT_4O)).isEqualTo(85 + 6 * 170);
    assertThat(partTokens(image(dataUrl("gif", 300, 200), "auto"), GPT_4O)).isEqualTo(85 + 170);
    assertThat(partTokens(image(dataUrl("png", 4096, 1536), "high"), GPT_4O)).isEqualTo(GPT_4O_MAX_IMAGE);
  }

  @Test
  void aMiniLikeRuleHoldsAtLeast8500TokensForOne512PixelImage() throws IOException {
    assertThat(partTokens(image(dataUrl("png", 512, 512), "high"), MINI)).isEqualTo(2833 + 5667).isGreaterThanOrEqualTo(8_500);
  }

  @Test
  void readsAJpegsSizeFromBehindALargeMetadataSegment() throws IOException {
    byte[] jpeg = encode("jpeg", 1024, 1024);
    byte[] padded = new byte[jpeg.length + 4 + 60_000];
    padded[0] = (byte) 0xFF;
    padded[1] = (byte) 0xD8;
    padded[2] = (byte) 0xFF;
    padded[3] = (byte) 0xE1;
    padded[4] = (byte) ((60_002 >> 8) & 0xFF);
    padded[5] = (byte) (60_002 & 0xFF);
    System.arraycopy(jpeg, 2, padded, 6 + 60_000, jpeg.length - 2);
    String url = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(padded);

    assertThat(partTokens(image(url, "high"), GPT_4O)).isEqualTo(85 + 4 * 170);
  }

  @Test
  void readsTheSizeOfWebpHeaders() {
    byte[] vp8x = webp("VP8X", new byte[] {0, 0, 0, 0, (byte) 0xFF, 0x03, 0, (byte) 0xFF, 0x01, 0});
    byte[] vp8l = webp("VP8L", new byte[] {0x2F, (byte) 0xFF, (byte) 0xC3, (byte) 0xFF, 0});

    assertThat(partTokens(image(webpUrl(vp8x), "high"), GPT_4O)).isEqualTo(85 + 2 * 170); // 1024 x 512: 2 x 1 tiles
    assertThat(partTokens(image(webpUrl(vp8l), "high"), GPT_4O)).isEqualTo(85 + 4 * 170); // 1024 x 1024, scaled to 768 x 768: 2 x 2
  }

  @Test
  void readsOnlyTheHeaderOfALargeDataUrlAndNeverCountsItAsText() throws IOException {
    String url = dataUrl("png", 1024, 1024) + "A".repeat(4_000_000) + "!!not base64!!";

    assertThat(partTokens(image(url, "high"), GPT_4O)).isEqualTo(85 + 4 * 170);
  }

  @Test
  void garbageImagesNeverThrowAndAreHeldAtTheMostTiles() {
    List<Object> urls = List.of("data:image/png;base64,!!!!", "data:image/png;base64,", "data:", "data:image/png,%89PNG",
        "data:image/png;base64,iVBORw0KGgo=", "data:image/jpeg;base64,/9j/" + "A".repeat(100), "data:image/gif;base64,R0lGODlh",
        "data:image/png;base64," + "A".repeat(2_000_000), "", "data:image/webp;base64,UklGRgAAAABXRUJQ", 42);
    for (Object url : urls) {
      JsonObject part = new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", url));
      assertThatCode(() -> partTokens(part, GPT_4O)).doesNotThrowAnyException();
      assertThat(partTokens(part, GPT_4O)).as(String.valueOf(url).substring(0, Math.min(40, String.valueOf(url).length())))
          .isEqualTo(GPT_4O_MAX_IMAGE);
    }
    assertThat(partTokens(new JsonObject().put("type", "image_url"), GPT_4O)).isEqualTo(GPT_4O_MAX_IMAGE);
    assertThat(partTokens(new JsonObject().put("type", "image_url").put("image_url", 7), GPT_4O)).isEqualTo(GPT_4O_MAX_IMAGE);
    assertThat(partTokens(new JsonObject().put("type", "image_url").put("image_url", "https://example.com/a.png"), GPT_4O))
        .isEqualTo(GPT_4O_MAX_IMAGE);
  }

  @Test
  void audioAndFilesCostTheirInlineBytesOverThreeWithAFloor() {
    String audio30k = Base64.getEncoder().encodeToString(new byte[30_000]);
    String pdf9k = Base64.getEncoder().encodeToString(new byte[9_000]);
    JsonObject bigAudio = new JsonObject().put("type", "input_audio")
        .put("input_audio", new JsonObject().put("data", audio30k).put("format", "wav"));
    JsonObject smallAudio = new JsonObject().put("type", "input_audio")
        .put("input_audio", new JsonObject().put("data", Base64.getEncoder().encodeToString(new byte[300])).put("format", "mp3"));
    JsonObject fileUrl = new JsonObject().put("type", "file")
        .put("file", new JsonObject().put("filename", "a.pdf").put("file_data", "data:application/pdf;base64," + pdf9k));
    JsonObject fileRaw = new JsonObject().put("type", "file").put("file", new JsonObject().put("file_data", pdf9k));
    JsonObject fileId = new JsonObject().put("type", "file").put("file", new JsonObject().put("file_id", "file-abc123"));
    JsonObject video = new JsonObject().put("type", "input_video")
        .put("input_video", new JsonObject().put("data", Base64.getEncoder().encodeToString(new byte[60_000])));

    assertThat(partTokens(bigAudio, GPT_4O)).isEqualTo(10_000);
    assertThat(partTokens(smallAudio, GPT_4O)).isEqualTo(1_500);
    assertThat(partTokens(smallAudio, MINI)).isEqualTo(MINI_MAX_IMAGE);
    assertThat(partTokens(fileUrl, GPT_4O)).isEqualTo(3_000);
    assertThat(partTokens(fileRaw, GPT_4O)).isEqualTo(3_000);
    assertThat(partTokens(fileId, GPT_4O)).isEqualTo(1_500);
    assertThat(partTokens(video, GPT_4O)).isBetween(20_000L, 20_010L);
  }

  @Test
  void mediaSizesTheHoldButNotTheContextWindowCheck() {
    CatalogModel smallWindow = model(new ImageTokens(2833, 5667), 32_000);
    JsonObject body = chat(new JsonArray().add(text("what is this?")).add(image("https://example.com/a.png", "high")));

    long prompt = ContextWindow.admittedPrompt(body, smallWindow).total();

    assertThat(prompt).isGreaterThanOrEqualTo(MINI_MAX_IMAGE);
  }

  private static long tokens(JsonObject body, CatalogModel model) {
    return UsageReader.promptTokens(body, model);
  }

  /** What one more content part adds to a one-message prompt. */
  private static long partTokens(JsonObject part, CatalogModel model) {
    JsonObject with = chat(new JsonArray().add(text("look")).add(part));
    JsonObject without = chat(new JsonArray().add(text("look")));
    return tokens(with, model) - tokens(without, model);
  }

  private static JsonObject chat(Object content) {
    return new JsonObject().put("model", "m").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", content)));
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static JsonObject image(String url, String detail) {
    JsonObject imageUrl = new JsonObject().put("url", url);
    if (detail != null) {
      imageUrl.put("detail", detail);
    }
    return new JsonObject().put("type", "image_url").put("image_url", imageUrl);
  }

  private static String dataUrl(String format, int width, int height) throws IOException {
    return "data:image/" + format + ";base64," + Base64.getEncoder().encodeToString(encode(format, width, height));
  }

  private static byte[] encode(String format, int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(image, format, out)).as("an ImageIO writer for " + format).isTrue();
    return out.toByteArray();
  }

  /** A RIFF/WEBP header with one chunk of {@code kind}: enough bytes to carry the size, not a whole image. */
  private static byte[] webp(String kind, byte[] payload) {
    byte[] out = new byte[20 + payload.length];
    System.arraycopy("RIFF".getBytes(), 0, out, 0, 4);
    System.arraycopy("WEBP".getBytes(), 0, out, 8, 4);
    System.arraycopy(kind.getBytes(), 0, out, 12, 4);
    out[16] = (byte) payload.length;
    System.arraycopy(payload, 0, out, 20, payload.length);
    return out;
  }

  private static String webpUrl(byte[] bytes) {
    return "data:image/webp;base64," + Base64.getEncoder().encodeToString(bytes);
  }

  private static CatalogModel model(ImageTokens rule, long contextWindow) {
    return new CatalogModel("m", "test", contextWindow, 4_096, Map.of(), false, rule);
  }
}
