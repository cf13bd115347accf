package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in Debian's Chromium, headless: the flows end to end against a real gateway, a screenshot of
 * every page under {@code target/console-screenshots/}. Waits poll the page for what must appear; nothing asserts a
 * duration.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserTest {
  private static final String PASSWORD = "correct horse battery";
  private static final String FRAG = "{\"model\":\"frag\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}";
  GatewayFixture f;
  Tenant alice;
  WebDriver member;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Browser.assumeInstalled();
    f = GatewayFixture.start(java.nio.file.Files.createDirectories(dir.resolve("gateway")));
    f.configureLimits("""
        limits:
          - {scope: route, model: chat-b, route_type: routed, metric: requests, window: day, cap: 20, per: account}
        """);
    alice = Tenant.create(f, "alice");
    ConsoleHttp.createMember(f, alice.accountId(), "alice@example.com", PASSWORD);
    member = Browser.start(dir.resolve("member-profile"), 1280, 1000);
    signIn(member);
  }

  @AfterAll
  void stop() throws Exception {
    if (member != null) {
      member.quit();
    }
    if (f != null) {
      f.close();
    }
  }

  private void signIn(WebDriver driver) {
    driver.get(f.url("/console"));
    assertThat(driver.getCurrentUrl()).endsWith("/console/sign-in");
    Browser.screenshot(driver, "sign-in");
    driver.findElement(By.id("email")).sendKeys("alice@example.com");
    // the keyboard alone: Enter in the password field submits the form
    driver.findElement(By.id("password")).sendKeys(PASSWORD, Keys.ENTER);
    waitFor(driver).until(ExpectedConditions.urlContains("/console/overview"));
  }

  private static WebDriverWait waitFor(WebDriver driver) {
    return new WebDriverWait(driver, Duration.ofSeconds(20));
  }

  private void open(WebDriver driver, String path) {
    driver.get(f.url(path));
  }

  @Test
  void aMemberSignsInAndSeesBalancesInTheirCurrency() {
    open(member, "/console/overview");
    String balances = member.findElement(By.cssSelector("main")).getText();
    assertThat(balances).contains("USD").contains("CNY");
    Browser.screenshot(member, "overview");
  }

  @Test
  void aMemberCreatesAKeyShownOnceWithACopyButton() {
    open(member, "/console/keys");
    member.findElement(By.id("name")).sendKeys("browser-key");
    member.findElement(By.id("models")).sendKeys("chat-b");
    member.findElement(By.cssSelector("form[action='/console/keys'] button[type=submit]")).click();
    String secret = waitFor(member).until(ExpectedConditions.visibilityOfElementLocated(By.id("new-key"))).getText();
    assertThat(secret).startsWith("tg-");
    assertThat(member.findElement(By.cssSelector("[data-copy=new-key]")).isDisplayed()).isTrue();
    Browser.screenshot(member, "keys-created");
    open(member, "/console/keys");
    assertThat(member.getPageSource()).contains("browser-key").doesNotContain(secret);
  }

  @Test
  void thePlaygroundStreamsAnAnswerAndShowsItsReceiptAndTheLimitBarMoves() {
    open(member, "/console/overview");
    int before = routeBar(member);

    JsonObject receipt = sendInPlayground("chat-b");
    assertThat(member.findElement(By.id("answer")).getText()).isNotBlank();
    WebElement shown = member.findElement(By.cssSelector("#receipt .receipt"));
    assertThat(shown.findElement(By.cssSelector(".leg")).getText()).isEqualTo(receipt.getString("leg"));
    assertThat(shown.findElement(By.cssSelector(".fallback")).getText()).isEqualTo("yes");
    assertThat(shown.findElement(By.cssSelector(".upstream-model")).getText()).isEqualTo("up-b-backup");
    assertThat(shown.findElement(By.cssSelector(".cost")).getText())
        .isEqualTo(io.tollgate.ledger.Money.format(receipt.getLong("cost_micros"), io.tollgate.config.Bucket.RMB));
    assertThat(shown.findElement(By.cssSelector(".balance-after")).getText())
        .isEqualTo(io.tollgate.ledger.Money.format(receipt.getLong("balance_after_micros"), io.tollgate.config.Bucket.RMB));
    Browser.screenshot(member, "playground");

    sendInPlayground("chat-b");
    open(member, "/console/overview");
    assertThat(routeBar(member)).isGreaterThan(before);
    // the 30-day chart of the RMB bucket, drawn by uPlot
    assertThat(member.findElements(By.cssSelector("figure[data-currency=CNY] .uplot canvas"))).isNotEmpty();
    Browser.screenshot(member, "overview-after-requests");
  }

  /** Sends a chat from the playground and returns the receipt the API holds for it. */
  private JsonObject sendInPlayground(String model) {
    open(member, "/console/playground");
    new Select(member.findElement(By.id("model"))).selectByVisibleText(model);
    new Select(member.findElement(By.id("route_type"))).selectByVisibleText("routed");
    member.findElement(By.cssSelector("#playground button[type=submit]")).click();
    WebElement receipt = waitFor(member).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#receipt .receipt")));
    String id = receipt.getAttribute("data-request-id");
    return new JsonObject(f.get("/admin/receipts/" + id, f.admin()).body());
  }

  private static int routeBar(WebDriver driver) {
    WebElement bar = driver.findElements(By.cssSelector(".limits tr")).stream()
        .filter(row -> row.getText().contains("chat-b routed")).findFirst().orElseThrow()
        .findElement(By.cssSelector("[role=meter]"));
    return Integer.parseInt(bar.getAttribute("aria-valuenow"));
  }

  @Test
  void aFallbacksReceiptReadsAsATimeline() {
    JsonObject receipt = sendInPlayground("chat-b");
    open(member, "/console/usage");
    member.findElement(By.linkText(receipt.getString("id"))).click();
    List<WebElement> attempts = waitFor(member).until(ExpectedConditions.presenceOfAllElementsLocatedBy(By.cssSelector(".timeline li")));
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).getAttribute("class")).contains("failed");
    assertThat(attempts.get(0).getText()).contains("primary").contains("connect_error");
    assertThat(attempts.get(1).getAttribute("class")).contains("ok");
    assertThat(attempts.get(1).getText()).contains("backup-1").contains("up-b-backup");
    Browser.screenshot(member, "receipt-timeline");
    open(member, "/console/usage");
    Browser.screenshot(member, "usage");
  }

  @Test
  void aMemberRedeemsACode() {
    String code = new JsonObject(f.post("/admin/redeem-codes", "{\"bucket\":\"RMB\",\"amount\":\"2.5\"}", f.admin()).body())
        .getString("code");
    open(member, "/console/wallet");
    member.findElement(By.id("code")).sendKeys(code, Keys.ENTER);
    WebElement notice = waitFor(member).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".notice")));
    assertThat(notice.getText()).isEqualTo("Code redeemed.");
    assertThat(member.findElement(By.cssSelector(".ledger[data-bucket=RMB]")).getText()).contains("2.500000 CNY");
    Browser.screenshot(member, "wallet");
  }

  @Test
  void theCatalogPreviewsARoute() {
    open(member, "/console/catalog");
    new Select(member.findElement(By.id("model"))).selectByVisibleText("chat-b");
    member.findElement(By.cssSelector("form[action='/console/catalog/quote'] button")).click();
    WebElement quote = waitFor(member).until(ExpectedConditions.presenceOfElementLocated(By.id("quote")));
    assertThat(quote.getText()).contains("up-b-backup");
    Browser.screenshot(member, "catalog-quote");
  }

  @Test
  void keyboardAloneReachesTheSkipLinkAndTheNavigation() {
    open(member, "/console/overview");
    member.findElement(By.tagName("body")).sendKeys(Keys.TAB);
    WebElement focused = member.switchTo().activeElement();
    assertThat(focused.getText()).isEqualTo("Skip to content");
    focused.sendKeys(Keys.TAB);
    assertThat(member.switchTo().activeElement().getText()).isEqualTo("Tollgate");
    member.switchTo().activeElement().sendKeys(Keys.TAB);
    assertThat(member.switchTo().activeElement().getText()).isEqualTo("Overview");
    member.switchTo().activeElement().sendKeys(Keys.TAB);
    member.switchTo().activeElement().sendKeys(Keys.ENTER);
    waitFor(member).until(ExpectedConditions.urlContains("/console/keys"));
    Browser.screenshot(member, "keyboard-focus");
  }

  @Test
  void everyPageReadsOnA390PixelWideScreen(@TempDir Path profile) {
    WebDriver phone = Browser.start(profile, 390, 844);
    try {
      readsAt390(phone);
    } finally {
      phone.quit();
    }
  }

  private void readsAt390(WebDriver phone) {
    // a phone's viewport exactly: a desktop window cannot be made this narrow
    ((org.openqa.selenium.chrome.ChromeDriver) phone).executeCdpCommand("Emulation.setDeviceMetricsOverride",
        java.util.Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
    signIn(phone);
    assertThat((Long) ((JavascriptExecutor) phone).executeScript("return window.innerWidth;")).isEqualTo(390L);
    for (String page : List.of("overview", "keys", "catalog", "playground", "usage", "wallet")) {
      open(phone, "/console/" + page);
      long overflow = (Long) ((JavascriptExecutor) phone).executeScript(
          "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
      assertThat(overflow).as(page + " scrolls sideways by " + overflow + " px").isLessThanOrEqualTo(0);
      Browser.screenshot(phone, "390px-" + page);
    }
  }

  @Test
  void anOperatorTopsUpAnAccountAndSeesAChannelGoUnhealthy(@TempDir Path profile) {
    WebDriver operator = Browser.start(profile, 1280, 1000);
    try {
      operatorFlow(operator);
    } finally {
      operator.quit();
    }
  }

  private void operatorFlow(WebDriver operator) {
    operator.get(f.url("/console/sign-in"));
    operator.findElement(By.id("admin_token")).sendKeys(f.adminToken, Keys.ENTER);
    waitFor(operator).until(ExpectedConditions.urlContains("/console/ops/channels"));

    open(operator, "/console/ops/accounts");
    WebElement card = operator.findElement(By.cssSelector(".account[data-account='" + alice.accountId() + "']"));
    String before = new JsonObject(f.get("/admin/accounts/" + alice.accountId() + "/wallet", f.admin()).body()).encode();
    card.findElement(By.cssSelector("form[action$='/topup'] input[name=amount]")).sendKeys("40");
    new Select(card.findElement(By.cssSelector("form[action$='/topup'] select"))).selectByVisibleText("RMB");
    card.findElement(By.cssSelector("form[action$='/topup'] button")).click();
    WebElement notice = waitFor(operator).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".notice")));
    assertThat(notice.getText()).isEqualTo("Topped up.");
    assertThat(new JsonObject(f.get("/admin/accounts/" + alice.accountId() + "/wallet", f.admin()).body()).encode())
        .isNotEqualTo(before);
    Browser.screenshot(operator, "ops-accounts");

    for (int i = 0; i < 3; i++) {
      f.post("/v1/chat/completions", FRAG, "authorization", "Bearer " + alice.key(), "x-mock", "status=503,when_model=up-frag");
    }
    open(operator, "/console/ops/channels");
    WebElement fragile = operator.findElements(By.cssSelector("tr")).stream().filter(r -> r.getText().startsWith("fragile"))
        .findFirst().orElseThrow();
    assertThat(fragile.getText()).contains("open").contains("http_5xx");
    Browser.screenshot(operator, "ops-channels");

    for (String page : List.of("routes", "ledger", "config")) {
      open(operator, "/console/ops/" + page);
      Browser.screenshot(operator, "ops-" + page);
    }
    open(operator, "/console/ops/ledger");
    operator.findElement(By.cssSelector("main form button")).click();
    assertThat(waitFor(operator).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".notice"))).getText())
        .contains("The ledger verifies");
    Browser.screenshot(operator, "ops-ledger-verified");
  }

  @Test
  void aMemberQuotesConfirmsAndWatchesAResearchRun() {
    open(member, "/console/research");
    Browser.screenshot(member, "research");
    member.findElement(By.cssSelector("form[action='/console/research/quote'] button")).click();
    waitFor(member).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".quote")));
    assertThat(member.findElement(By.cssSelector(".warnings")).getText()).contains("sample");
    Browser.screenshot(member, "research-quote");

    member.findElement(By.cssSelector("form[action='/console/research/runs'] button")).click();
    waitFor(member).until(ExpectedConditions.urlContains("/console/research/runs/"));
    // the page follows the run's event stream until the run has ended
    new WebDriverWait(member, Duration.ofSeconds(60)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(d -> !d.findElement(By.cssSelector(".run-status strong")).getText().equals("running"));
    if (!member.findElements(By.id("run-events")).isEmpty()) { // the run was still running when its page opened
      assertThat(member.findElement(By.id("run-events")).getText()).contains("run.ended");
    }
    assertThat(member.findElement(By.cssSelector(".report")).getText()).isNotBlank();
    assertThat(member.findElements(By.cssSelector("a[href^='/console/usage/req_']"))).isNotEmpty();
    Browser.screenshot(member, "research-run");
  }
}
