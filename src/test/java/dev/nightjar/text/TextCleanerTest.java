package dev.nightjar.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextCleanerTest {
  private final TextCleaner cleaner = TextCleaner.DEFAULT;

  private List<String> t(String s) {
    return cleaner.tokens(s);
  }

  @Test
  void removesTagsAndScriptAndStyleContent() {
    assertEquals(List.of("soft", "cotton", "shirt"), t("<p>Soft <b>cotton</b></p><br/>shirt"));
    assertEquals(List.of("red", "mug"), t("red<script>alert('x mug')</script> mug"));
    assertEquals(List.of("red", "mug"), t("red<STYLE type=\"text/css\">p {color: blue}</STYLE>mug"));
    assertEquals(List.of("red", "mug"), t("red<!-- hidden comment -->mug"));
  }

  @Test
  void keepsLessThanThatIsNotATag() {
    assertEquals(List.of("5", "6", "cups"), t("5 < 6 cups"));
  }

  @Test
  void decodesEntities() {
    assertEquals(List.of("salt", "pepper", "mill"), t("Salt &amp; Pepper&nbsp;Mill"));
    assertEquals(List.of("mens", "caf\u00e9"), t("men&#39;s caf&eacute;"));
    assertEquals(List.of("mens", "shoes"), t("men&#x27;s shoes"));
    assertEquals(List.of("bad", "entity"), t("bad&unknownname;entity"));
  }

  @Test
  void removesUrlsAndEmails() {
    assertEquals(List.of("visit", "details"), t("Visit https://shop.example.com/p/12?x=1 for details"));
    assertEquals(List.of("see"), t("see www.example.com/a-b"));
    assertEquals(List.of("mail", "questions"), t("mail help@example.com with questions"));
  }

  @Test
  void lowerCasesAndSplitsOnSpecialCharacters() {
    assertEquals(List.of("shirt", "4", "gb", "usb", "drive"), t("T-SHIRT!! 4 GB, USB_drive"));
    assertEquals(List.of("d\u00fcsseldorf", "\u043a\u043e\u0448\u043a\u0430"), t("D\u00fcsseldorf: \u041a\u043e\u0448\u043a\u0430."));
  }

  @Test
  void dropsApostrophesInsideWords() {
    assertEquals(List.of("mens", "kids", "toys"), t("Men's Kids\u2019 toys"));
  }

  @Test
  void removesStopWordsAndSingleLetters() {
    assertEquals(List.of("best", "mug"), t("This is the best mug of all"));
    assertEquals(List.of("5", "7", "frame"), t("5 x 7 frame"));
  }

  @Test
  void emptyAndNullGiveNoTokens() {
    assertEquals(List.of(), t(null));
    assertEquals(List.of(), t(""));
    assertEquals(List.of(), t("<p>&nbsp;</p> the of and"));
  }

  @Test
  void productTextJoinsFieldsAndTruncates() {
    assertEquals(
        List.of("blue", "mug", "kitchenw"),
        ProductText.tokens(cleaner, java.util.Arrays.asList("Blue mug", null, "kitchenware"), 8));
  }
}
