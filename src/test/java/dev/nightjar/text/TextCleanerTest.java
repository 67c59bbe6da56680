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

  private static final List<String> AUTO = Language.codes();

  private static List<String> t(List<String> langs, boolean stem, boolean fold, String s) {
    return TextCleaner.of(langs, stem, fold).tokens(s);
  }

  @Test
  void decodesHtml5NamedEntitiesWithOrWithoutAccentFolding() {
    // &Ccaron; and &yacute;... : HTML5 names (HTML4's table stops at Latin-1 and a few more).
    assertEquals(List.of("canci\u00f3n", "\u00e1guila", "\u20ac", "20", "\u010desk\u00fd"),
        t(List.of("en"), false, false, "Canci&oacute;n &Aacute;guila &euro;20 &Ccaron;esk&yacute;"));
    assertEquals(List.of("cancion", "aguila", "\u20ac", "20"),
        t(List.of("en"), false, true, "Canci&oacute;n &Aacute;guila &euro;20"));
    // Names are case-sensitive (&Aacute; is not &aacute;), with a lower-case retry for &AMP;-style names.
    assertEquals(List.of("\u00e1x", "\u00e1b"), t(List.of("en"), false, false, "&aacute;x &AMP; &Aacute;b"));
  }

  @Test
  void normalizesUnicodeNfkc() {
    // Full-width letters, the fi ligature and a decomposed e + combining acute become one form.
    assertEquals(List.of("full", "width", "fine", "caf\u00e9"), t("\uff26\uff55\uff4c\uff4c-width \ufb01ne cafe\u0301"));
  }

  @Test
  void frenchElisionsStopWordsStemsAndAccents() {
    String s = "L'ordinateur portable de l'\u00e9t\u00e9, avec les chaussures d'enfant";
    assertEquals(List.of("ordinateur", "portable", "\u00e9t\u00e9", "chaussures", "enfant"), t(List.of("fr"), false, false, s));
    assertEquals(List.of("ordin", "portabl", "\u00e9t\u00e9", "chaussur", "enfant"), t(List.of("fr"), true, false, s));
    assertEquals(List.of("ordin", "portabl", "ete", "chaussur", "enfant"), t(List.of("fr"), true, true, s));
    // English has no elided articles: the apostrophe is dropped, stop words are English.
    assertEquals(List.of("lordinateur", "portable", "de", "l\u00e9t\u00e9", "avec", "les", "chaussures", "denfant"),
        t(List.of("en"), false, false, s));
  }

  @Test
  void germanStopWordsStemsAndFolding() {
    String s = "Die Kinderschuhe f\u00fcr den Winter und das Fahrrad mit Stra\u00dfe";
    assertEquals(List.of("kinderschuhe", "winter", "fahrrad", "stra\u00dfe"), t(List.of("de"), false, false, s));
    assertEquals(List.of("kinderschuh", "wint", "fahrrad", "strass"), t(List.of("de"), true, false, s));
    assertEquals(List.of("kinderschuhe", "winter", "fahrrad", "strasse"), t(List.of("de"), false, true, s));
  }

  @Test
  void spanishStopWordsStemsAndAccents() {
    String s = "Las camisetas de algod&oacute;n para los ni\u00f1os y la Canci&oacute;n del verano";
    assertEquals(List.of("camisetas", "algod\u00f3n", "ni\u00f1os", "canci\u00f3n", "verano"), t(List.of("es"), false, false, s));
    assertEquals(List.of("camiset", "algodon", "ni\u00f1", "cancion", "veran"), t(List.of("es"), true, false, s));
    assertEquals(List.of("camisetas", "algodon", "ninos", "cancion", "verano"), t(List.of("es"), false, true, s));
  }

  @Test
  void englishStemsAndNumbersStayWhole() {
    assertEquals(List.of("men", "run", "shoe", "4gb", "kid"), t(List.of("en"), true, false, "Men's running shoes 4GB for the kids"));
  }

  @Test
  void autoChoosesTheLanguageWithTheMostStopWordsPerProduct() {
    TextCleaner auto = TextCleaner.of(AUTO, false, false);
    // French (de, la, et): its stop words and elisions; "die" is not a French stop word.
    assertEquals(List.of(List.of("tasse", "caf\u00e9"), List.of("porcelaine", "blanche", "ordinateur")),
        auto.fields(java.util.Arrays.asList("Tasse \u00e0 caf\u00e9", "de la porcelaine blanche et l'ordinateur")));
    assertEquals(List.of(List.of("kinderschuhe", "winter")), auto.fields(List.of("Die Kinderschuhe f\u00fcr den Winter")));
    // No stop word at all: the first language (en) applies (its stemmer here).
    assertEquals(List.of("run", "shoe"), TextCleaner.of(AUTO, true, false).tokens("Running shoes"));
    // One stop word is not enough evidence: "die" is a German stop word, but English stays ...
    assertEquals(List.of("die", "cast", "car"), auto.tokens("Die-cast car"));
    // ... while two more than English's make it German.
    assertEquals(List.of("cast", "auto"), auto.tokens("Die cast auto und die"));
    // A list restricts the choice: without fr, the French product keeps its articles.
    assertEquals(List.of("tasse", "caf\u00e9", "et", "lordinateur"), t(List.of("en", "de"), false, false, "Tasse \u00e0 caf\u00e9 et l'ordinateur"));
  }

  @Test
  void unknownLanguageIsAnError() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> TextCleaner.of(List.of("xx"), false, false));
    assertEquals("Unknown language xx: expected one of " + String.join(", ", AUTO) + " or auto", e.getMessage());
  }

  @Test
  void productTextJoinsFieldsAndTruncates() {
    assertEquals(
        List.of("blue", "mug", "kitchenw"),
        ProductText.tokens(cleaner, java.util.Arrays.asList("Blue mug", null, "kitchenware"), 8));
  }
}
